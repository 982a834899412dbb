// The component schemas of /openapi.json, generated from the zod schemas the
// routes validate requests with (as their input) and the response schemas
// (as their output), and the small builders the path files share.
import { z } from 'zod';
import { inventorySchema } from '../domain/inventory.js';
import { ruleInputSchema } from '../domain/rules.js';
import { imageInputSchema } from '../domain/images.js';
import { targetSchema } from '../domain/targets.js';
import { agentReportSchema } from '../core/agent.js';
import { powerLinkSchema } from '../core/power.js';
import { pacedPowerSchema } from '../domain/power-plan.js';
import { loginBody } from '../web/routes.js';
import { actionBody, nodePatchSchema, releaseIdentitySchema, ruleApplySchema } from './schemas.js';
import * as out from './response-schemas.js';
import * as res from './resource-schemas.js';

/** Request bodies, by component name. */
const requests = {
  Inventory: inventorySchema, Target: targetSchema, NodePatch: nodePatchSchema, ActionOptions: actionBody, ReleaseIdentity: releaseIdentitySchema,
  PowerLink: powerLinkSchema, RuleInput: ruleInputSchema, RuleApply: ruleApplySchema, ImageInput: imageInputSchema,
  PowerControllerInput: res.controllerInputSchema, PacedPower: pacedPowerSchema, AgentReport: agentReportSchema, Login: loginBody,
} satisfies Record<string, z.ZodType>;

/** Response bodies, by component name. */
const responses = {
  Node: out.nodeSchema, NodeRecord: out.nodeRecordSchema, NodeList: out.nodeListSchema, NodeTarget: targetSchema, TargetResult: out.targetResultSchema,
  ActionResult: out.actionResultSchema, Effect: out.effectSchema, PowerEvent: out.powerEventSchema, PacedPlan: out.pacedPlanSchema, PowerStatus: out.powerStatusSchema,
  Event: out.eventSchema, NodeEvents: out.nodeEventsSchema, EventsPage: out.eventsPageSchema, Error: out.errorSchema, PowerError: out.powerErrorSchema,
  Rule: res.ruleSchema, RuleList: res.ruleListSchema, RuleApplyResult: out.ruleApplyResultSchema, Image: res.imageSchema, ImageList: res.imageListSchema,
  PowerController: res.controllerSchema, PowerControllerList: res.controllerListSchema, AgentInstruction: res.agentInstructionSchema,
  DiscoveryAnswer: res.discoveryAnswerSchema, Session: res.sessionSchema, Health: res.healthSchema,
} satisfies Record<string, z.ZodType>;

/** A component schema's name. */
export type SchemaName = keyof typeof requests | keyof typeof responses;

type Json = Record<string, unknown>;

// A transform's output has no JSON Schema; bootherd's transforms only normalise
// (lower-case a name, a MAC, a sha256), so its input's schema holds for the output too.
function override(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const def = (ctx.zodSchema as { _zod: { def: { type: string; in?: z.ZodType; out?: { _zod: { def: { type: string } } } } } })._zod.def;
  if (def.type !== 'pipe' || def.out?._zod.def.type !== 'transform' || !def.in) return;
  const { $schema: _s, ...inner } = z.toJSONSchema(def.in, { io: 'output', unrepresentable: 'any', override }) as Json;
  Object.assign(ctx.jsonSchema, inner);
}

function generate(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, s] of Object.entries(schemas)) registry.add(s, { id });
  const doc = z.toJSONSchema(registry, { io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}`, override }) as { schemas: Record<string, Json> };
  return Object.fromEntries(Object.entries(doc.schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

/** Every component schema: requests as they are accepted, responses as they are sent. */
export function componentSchemas(): Record<string, Json> {
  return { ...generate(requests, 'input'), ...generate(responses, 'output') };
}

/** The JSON Schema of one request value (a query or path parameter). */
export function inputSchema(s: z.ZodType): Json {
  const { $schema: _s, ...schema } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Json;
  return schema;
}

/** `$ref` to a component schema. */
export const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

/** A required (or optional) JSON request body. */
export const jsonBody = (name: SchemaName, required = true) => ({ required, content: { 'application/json': { schema: ref(name) } } });

/** A JSON answer. */
export const json = (description: string, name: SchemaName, headers?: Json) => ({ description, content: { 'application/json': { schema: ref(name) } }, ...(headers ? { headers } : {}) });

/** A text answer. */
export const plain = (description: string, type = 'text/plain') => ({ description, content: { [type]: { schema: { type: 'string' } } } });

/** An error answer (`{ error, message, issues? }`). */
export const err = (description: string, name: SchemaName = 'Error', headers?: Json) => json(description, name, headers);

/** Query parameters from a zod object schema: each key, whether it is required, its schema, and what it means. */
export function queryParams(s: z.ZodObject, describe: Record<string, string>): Json[] {
  return Object.entries(s.shape).map(([name, field]) => ({
    name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success,
    ...(describe[name] ? { description: describe[name] } : {}), schema: inputSchema(field as z.ZodType),
  }));
}

/** A path parameter. */
export const pathParam = (name: string, description: string, schema: Json = { type: 'string' }) => ({ name, in: 'path', required: true, description, schema });

/** Who may call an admin route: the admin token, or a dashboard session (with its CSRF token on a change). */
export const adminRead = [{ bearer: [] }, { session: [] }];
/** The same for a change. */
export const adminWrite = [{ bearer: [] }, { session: [], csrf: [] }];
/** Node-facing routes the agent calls with its token. */
export const agentAuth = [{ agentToken: [] }];
/** No credentials. */
export const open: Json[] = [];

/** The errors every admin route can answer; `body`: it takes a JSON body (400 for bad JSON, 413 past 1 MiB). */
export function adminErrors(o: { body?: boolean; input?: boolean } = {}): Record<string, Json> {
  return {
    ...(o.body || o.input ? { '400': err(o.body ? 'bad input: invalid JSON, a body nested deeper than 64 levels, or values the schema refuses (each in issues)' : 'bad input: a query or path value the schema refuses (each in issues)') } : {}),
    '401': err('no admin token or session, or a wrong one'),
    '403': err('an agent token, or a session change without its X-CSRF-Token'),
    ...(o.body ? { '413': err('body larger than 1 MiB') } : {}),
    default: err('any other failure, e.g. 500 internal (details only in the log)'),
  };
}

/** The boot-network limit (403) and the errors every node-facing route can answer. */
export function nodeFacingErrors(o: { body?: boolean } = {}): Record<string, Json> {
  return {
    ...(o.body ? { '400': err('bad input: invalid JSON, nesting deeper than 64 levels, or values the schema refuses (each in issues)'), '413': err('body larger than 1 MiB') } : {}),
    '403': err('the client is outside bootNetworks (or on loopback with trustLoopback: false)'),
    default: err('any other failure, e.g. 500 internal'),
  };
}

/** `ETag` on a node answer: its version, to send back as If-Match. */
export const etag = { ETag: { description: "the node's version, quoted; send it back as If-Match", schema: { type: 'string' } } };

/** `If-Match` on a node change: refused with 412 unless it is the node's current version. */
export const ifMatch = { name: 'If-Match', in: 'header', required: false, description: 'the version the change is for (from ETag); `*` or absent: any', schema: { type: 'string' } };
