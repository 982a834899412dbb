// /openapi.json, generated from the same zod schemas that validate requests.
import { z } from 'zod';
import { imageInputSchema } from '../domain/images.js';
import { inventorySchema } from '../domain/inventory.js';
import { ruleInputSchema } from '../domain/rules.js';
import { targetSchema } from '../domain/targets.js';
import { agentReportSchema } from '../core/agent.js';
import { nodePatchSchema } from './schemas.js';

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
        Rule: schema(ruleInputSchema), Image: schema(imageInputSchema), AgentReport: schema(agentReportSchema),
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
      },
      '/api/v1/nodes/{id}/target': { put: { summary: 'assign a boot target (If-Match)', security: admin, parameters: idParam, requestBody: body('Target'), responses: { '200': ok('node'), '409': ok('invalid transition'), '412': ok('stale If-Match'), ...errors } } },
      '/api/v1/nodes/{id}/actions/{action}': { post: { summary: 'rescue, end-rescue, reboot, power-on, power-off, retire, reset', security: admin, parameters: [...idParam, { name: 'action', in: 'path', required: true, schema: { type: 'string' } }], responses: { '202': ok('accepted'), '409': ok('invalid transition or no power driver'), ...errors } } },
      '/api/v1/nodes/{id}/events': { get: { summary: 'the node event log', security: admin, parameters: idParam, responses: { '200': ok('{ events }'), ...errors } } },
      '/api/v1/rules': { get: { summary: 'enrollment rules', security: admin, responses: { '200': ok('{ rules }') } }, post: { summary: 'add a rule', security: admin, requestBody: body('Rule'), responses: { '201': ok('rule'), ...errors } } },
      '/api/v1/rules/{id}': { put: { summary: 'replace a rule', security: admin, requestBody: body('Rule'), responses: { '200': ok('rule'), ...errors } }, delete: { summary: 'delete a rule', security: admin, responses: { '204': ok('deleted'), ...errors } } },
      '/api/v1/images': { get: { summary: 'images', security: admin, responses: { '200': ok('{ images }') } } },
      '/api/v1/images/{name}': { put: { summary: 'create or replace an image', security: admin, requestBody: body('Image'), responses: { '200': ok('image'), ...errors } }, delete: { summary: 'delete an image', security: admin, responses: { '204': ok('deleted'), ...errors } } },
    },
  };
}
