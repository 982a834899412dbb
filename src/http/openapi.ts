// /openapi.json, generated from the same zod schemas that validate requests.
import { z } from 'zod';
import { imageInputSchema } from '../domain/images.js';
import { inventorySchema } from '../domain/inventory.js';
import { ruleInputSchema } from '../domain/rules.js';
import { targetSchema } from '../domain/targets.js';
import { agentReportSchema } from '../core/agent.js';
import { powerLinkInput } from '../domain/power-link.js';
import { actionBody, nodePatchSchema, releaseIdentitySchema, ruleApplySchema } from './schemas.js';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const body = (ref: string) => ({ required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const ok = (description: string) => ({ description });
const errors = { '400': ok('invalid input'), '401': ok('no or wrong token'), '404': ok('not found'), '503': ok('store unavailable: nothing was changed; try again after Retry-After') };
const admin = [{ bearer: [] }];
const idParam = [{ name: 'id', in: 'path', required: true, description: 'node id, serial, MAC or hostname', schema: { type: 'string' } }];

/** Builds the OpenAPI 3.1 document. */
export function buildOpenApi(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'bootherd', version, description: 'Network-boot orchestrator: nodes, boot targets, discovery and agent endpoints.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Inventory: schema(inventorySchema), Target: schema(targetSchema), NodePatch: schema(nodePatchSchema),
        Rule: schema(ruleInputSchema), RuleApply: schema(ruleApplySchema), Image: schema(imageInputSchema), AgentReport: schema(agentReportSchema), ReleaseIdentity: schema(releaseIdentitySchema), ActionOptions: schema(actionBody),
        PowerLink: schema(powerLinkInput.nullable()),
        PowerController: { type: 'object', required: ['driver'], description: 'driver (snmp-poe, ipmi, redfish, command, manual) and its params; secrets are write-only', additionalProperties: true },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'liveness', responses: { '200': ok('ok') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': ok('text exposition format') } } },
      '/api/v1/discovery': { post: { summary: 'inventory v1 from the discovery image', requestBody: body('Inventory'), responses: { '200': ok('{ nodeId, token, next }'), '403': ok('node past ready without its boot token'), '409': ok('identity conflict'), ...errors } } },
      '/api/v1/agent/next': { get: { summary: 'what the agent does next', security: [{ bearer: [] }], responses: { '200': ok('an instruction'), ...errors } } },
      '/api/v1/agent/report': { post: { summary: 'heartbeat, install progress and result', security: [{ bearer: [] }], requestBody: body('AgentReport'), responses: { '204': ok('recorded'), ...errors } } },
      '/api/v1/nodes': { get: { summary: 'list nodes (filters: state, label=k=v, serial, mac)', security: admin, responses: { '200': ok('{ nodes }'), ...errors } } },
      '/api/v1/nodes/{id}': {
        get: { summary: 'one node (ETag = version)', security: admin, parameters: idParam, responses: { '200': ok('node'), ...errors } },
        patch: { summary: 'hostname and labels (If-Match)', security: admin, parameters: idParam, requestBody: body('NodePatch'), responses: { '200': ok('node'), '412': ok('stale If-Match'), ...errors } },
        delete: { summary: 'delete a retired node (any node with ?force=true); its events stay, ending with deleted (If-Match)', security: admin, parameters: [...idParam, { name: 'force', in: 'query', required: false, schema: { type: 'boolean' } }], responses: { '204': ok('deleted'), '409': ok('not retired'), '412': ok('stale If-Match'), ...errors } },
      },
      '/api/v1/nodes/{id}/actions/release-identity': { post: { summary: 'drop a stale MAC, serial or UUID from a node, clearing an identity conflict', security: admin, parameters: idParam, requestBody: body('ReleaseIdentity'), responses: { '200': ok('node'), ...errors } } },
      '/api/v1/nodes/{id}/target': { put: { summary: 'assign a boot target (If-Match)', security: admin, parameters: idParam, requestBody: body('Target'), responses: { '200': ok('node, with effects: power effects and whether anyone carried them out'), '409': ok('invalid transition'), '412': ok('stale If-Match'), ...errors } } },
      '/api/v1/nodes/{id}/events': { get: { summary: 'the node event log: oldest first; limit, order=asc|desc, kind=a,b, after=id, before=id', security: admin, parameters: idParam, responses: { '200': ok('{ events }'), ...errors } } },
      '/api/v1/events': { get: { summary: 'events of all nodes (query: after, limit, node, kind=a,b, label=k=v); follow=1: Server-Sent Events resumed by Last-Event-ID', security: admin, responses: { '200': ok('{ events, next } or text/event-stream'), ...errors, '503': ok('too many stream clients (events.maxClients), or the store is unavailable') } } },
      '/api/v1/session': {
        post: { summary: 'dashboard login: { token } -> HttpOnly cookie bootherd_session and { csrfToken }', responses: { '200': ok('{ csrfToken, expiresAt }'), ...errors } },
        get: { summary: 'the session the cookie names', responses: { '200': ok('{ csrfToken, expiresAt }'), '401': ok('not logged in') } },
        delete: { summary: 'log out (X-CSRF-Token)', responses: { '204': ok('logged out'), '403': ok('no CSRF token') } },
      },
      '/api/v1/nodes/{id}/actions/{action}': { post: { summary: 'rescue, end-rescue, reboot, power-on, power-off, power-cycle, retire, reset, reprovision-root; body { force?, wipe? }', security: admin, parameters: [...idParam, { name: 'action', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/ActionOptions' } } } }, responses: { '202': ok('{ action, delivery, detail, effects, power?, node }'), '409': ok('invalid transition, no power driver, root in use'), '502': ok('power-failed: the device refused'), ...errors } } },
      '/api/v1/nodes/{id}/power': {
        put: { summary: 'link the node to a controller port (port auto: looked up by MAC), or null', security: admin, parameters: idParam, requestBody: body('PowerLink'), responses: { '200': ok('node'), ...errors } },
        get: { summary: 'the power state as the device reports it', security: admin, parameters: idParam, responses: { '200': ok('{ controller, port, state, detail, durationMs }'), '409': ok('no power driver'), '502': ok('the device failed or refused'), ...errors } },
      },
      '/api/v1/power/controllers': { get: { summary: 'power controllers (secrets redacted)', security: admin, responses: { '200': ok('{ controllers }') } } },
      '/api/v1/power/controllers/{name}': {
        get: { summary: 'one power controller (secrets redacted)', security: admin, responses: { '200': ok('controller'), ...errors } },
        put: { summary: 'create or replace a controller; a left-out secret keeps the stored one', security: admin, requestBody: body('PowerController'), responses: { '200': ok('controller'), '409': ok('defined in the config file'), ...errors } },
        delete: { summary: 'delete a controller', security: admin, responses: { '204': ok('deleted'), '409': ok('defined in the config file'), ...errors } },
      },
      '/api/v1/agent/rescue-keys': { get: { summary: 'rescue.authorizedKeys for a node in rescue (text)', security: [{ bearer: [] }], responses: { '200': ok('OpenSSH public-key lines'), '409': ok('not in rescue'), ...errors } } },
      '/api/v1/rules': { get: { summary: 'enrollment rules', security: admin, responses: { '200': ok('{ rules }') } }, post: { summary: 'add a rule', security: admin, requestBody: body('Rule'), responses: { '201': ok('rule'), ...errors } } },
      '/api/v1/rules/{id}': { put: { summary: 'replace a rule', security: admin, requestBody: body('Rule'), responses: { '200': ok('rule'), ...errors } }, delete: { summary: 'delete a rule', security: admin, responses: { '204': ok('deleted'), ...errors } } },
      '/api/v1/rules/{id}/apply': { post: { summary: 'apply a rule (id or name) to the nodes that exist and match it; dryRun lists what would change', security: admin, requestBody: body('RuleApply'), responses: { '200': ok('{ rule, dryRun, force, matched, results: [{ nodeId, outcome, reason?, changes }] }'), ...errors } } },
      '/api/v1/images': { get: { summary: 'images', security: admin, responses: { '200': ok('{ images }') } } },
      '/api/v1/images/{name}': { put: { summary: 'create or replace an image (bootDir, rootDir, disk.path must exist)', security: admin, requestBody: body('Image'), responses: { '200': ok('image'), ...errors } }, delete: { summary: 'delete an image no node uses', security: admin, responses: { '204': ok('deleted'), '409': ok('in use by nodes'), ...errors } } },
    },
  };
}
