// Response (and a few request) schemas of the HTTP API for rules, images,
// power controllers, the agent and the dashboard session, built from the
// domain schemas the routes validate with, so /openapi.json and the code are
// one. The `Same` checks fail the build when a schema and its type part ways.
import { z } from 'zod';
import { imageInputSchema, type Image } from '../domain/images.js';
import { ruleInputSchema, type Rule } from '../domain/rules.js';
import type { AgentInstruction } from '../core/agent.js';
import { driverKinds } from '../power/registry.js';
import { redacted } from '../power/secret.js';
import { nameSchema } from '../domain/values.js';
import type { Same } from './response-schemas.js';

const iso = z.string().meta({ format: 'date-time' });
const text = z.string();

/** A stored enrollment rule. */
export const ruleSchema = z.strictObject({ id: text, ...ruleInputSchema.shape, sequence: z.number().int().nonnegative().describe('the next sequence number'), createdAt: iso });

/** GET /rules. */
export const ruleListSchema = z.strictObject({ rules: z.array(ruleSchema) });

/** A stored image. */
export const imageSchema = imageInputSchema.extend({ name: nameSchema, createdAt: iso, updatedAt: iso });

/** GET /images. */
export const imageListSchema = z.strictObject({ images: z.array(imageSchema) });

const secretIn = (s: z.ZodType) => s.meta({ writeOnly: true, description: `a secret: never returned (answers show '${redacted}'); left out or sent as '${redacted}', the stored one is kept` });
const secretOut = z.literal(redacted).describe('a secret, redacted');
const paramsShape = (kind: string) => (driverKinds[kind]!.params as unknown as z.ZodObject).shape;

function controllerVariant(kind: string, view: boolean): z.ZodObject {
  const secrets = new Set(driverKinds[kind]!.secrets);
  const params = Object.fromEntries(Object.entries(paramsShape(kind)).map(([key, s]) => {
    if (!secrets.has(key)) return [key, s];
    return [key, view ? (s.safeParse(undefined).success ? secretOut.optional() : secretOut) : secretIn(s as z.ZodType)];
  }));
  const meta = { source: z.enum(['config', 'api']).describe('config: from the config file, read-only here'), createdAt: iso.optional(), updatedAt: iso.optional() };
  return z.strictObject({ name: view ? nameSchema : nameSchema.optional(), driver: z.literal(kind), ...params, ...(view ? meta : { source: meta.source.optional().describe('ignored'), createdAt: text.optional().describe('ignored'), updatedAt: text.optional().describe('ignored') }) });
}
const controllerUnion = (view: boolean) => z.discriminatedUnion('driver', Object.keys(driverKinds).map((k) => controllerVariant(k, view)) as unknown as [z.ZodObject, ...z.ZodObject[]]);

/** A power controller as the API shows it: its driver's params, secrets redacted. */
export const controllerSchema = controllerUnion(true);

/** PUT /power/controllers/{name}: the driver and its params (checked by the driver's own schema); `name`, if given, must match the URL. */
export const controllerInputSchema = controllerUnion(false);

/** GET /power/controllers. */
export const controllerListSchema = z.strictObject({ controllers: z.array(controllerSchema) });

/** What the agent is told to do next. */
export const agentInstructionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('hold'), pollSeconds: z.number().int().positive() }),
  z.strictObject({ action: z.literal('reboot') }),
  z.strictObject({ action: z.literal('poweroff') }),
  z.strictObject({ action: z.literal('rescue'), pollSeconds: z.number().int().positive() }),
  z.strictObject({
    action: z.literal('install'), image: text, imageUrl: text.describe('an http(s) URL, or /api/v1/agent/disk (relative to bootherd.url) for an image kept on the bootherd host'),
    sha256: text, sizeBytes: z.number().int().positive().nullable(), compression: z.enum(['none', 'gzip', 'xz']), disk: text,
  }),
]);

/** POST /discovery: the node, the agent token for its next calls, and what to do. */
export const discoveryAnswerSchema = z.strictObject({ nodeId: text, token: text.describe('the agent token: Authorization: Bearer <token> on /api/v1/agent/*'), next: agentInstructionSchema });

/** A dashboard session: the CSRF token to send as X-CSRF-Token with every change. */
export const sessionSchema = z.strictObject({ csrfToken: text, expiresAt: iso });

/** GET /healthz. */
export const healthSchema = z.strictObject({ status: z.literal('ok') });

type Out<S extends z.ZodType> = z.output<S>;
type Holds<T extends true> = T;

/** Build-time checks: each schema describes the type its route sends. */
export type ResourceChecks = [
  Holds<Same<Out<typeof ruleSchema>, Rule>>,
  Holds<Same<Out<typeof imageSchema>, Image>>,
  Holds<Same<Out<typeof agentInstructionSchema>, AgentInstruction>>,
];
