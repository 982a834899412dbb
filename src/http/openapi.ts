// /openapi.json: the whole HTTP API, generated from the zod schemas that
// validate requests and describe responses (./openapi-schemas.ts), with the
// paths in three files by audience: nodes, the rest of the admin API, and
// what booting machines and their agents call.
import { componentSchemas } from './openapi-schemas.js';
import { adminPaths } from './openapi-paths-admin.js';
import { nodeFacingPaths } from './openapi-paths-boot.js';
import { nodePaths } from './openapi-paths-nodes.js';

const securitySchemes = {
  bearer: { type: 'http', scheme: 'bearer', description: 'the admin token: <dataDir>/admin-token, or adminToken in the configuration' },
  session: { type: 'apiKey', in: 'cookie', name: 'bootherd_session', description: 'a dashboard session cookie from POST /api/v1/session (HttpOnly, SameSite=Strict)' },
  csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: "the session's csrfToken: required beside the session cookie on every change (not on GET)" },
  agentToken: { type: 'http', scheme: 'bearer', description: 'the agent token a discovery answer hands out (<node id>.<secret>)' },
  bootToken: { type: 'http', scheme: 'bearer', description: "the node's boot token, from its kernel command line (bootherd.token=) or its root's etc/bootherd/node.env" },
};

const tags = [
  { name: 'nodes', description: 'the node records: state, target, actions, events' },
  { name: 'rules', description: 'enrollment rules' },
  { name: 'images', description: 'what targets boot and installs write' },
  { name: 'power', description: 'power controllers and node power' },
  { name: 'events', description: 'the event log of every node, as pages or a stream' },
  { name: 'dashboard', description: 'the web dashboard and its login' },
  { name: 'node-facing', description: 'what the discovery image and its agent call; limited to bootNetworks' },
  { name: 'boot', description: 'boot files and iPXE scripts for booting machines; limited to bootNetworks' },
  { name: 'service', description: 'health, metrics and this document' },
];

const description = [
  'Network-boot orchestrator for Raspberry Pi racks and PXE/iPXE servers.',
  'Every error is `{ "error": code, "message": text, "issues"?: [{ path, message }] }` (the Error schema); a 502 from a power device adds what the device did (PowerError).',
  'A JSON body is at most 1 MiB (413) and nested at most 64 levels (400). Express matches paths case-insensitively and ignores a trailing slash.',
].join('\n\n');

/** Builds the OpenAPI 3.1 document. */
export function buildOpenApi(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'bootherd', version, description, license: { name: 'MIT', identifier: 'MIT' } },
    tags,
    paths: { ...nodePaths(), ...adminPaths(), ...nodeFacingPaths() },
    components: { securitySchemes, schemas: componentSchemas() },
  };
}
