// /openapi.json: the admin routes on nodes (admin-routes.ts, power-routes.ts).
import { actionParam, deleteQuery, eventsQuery, nodeListQuery } from './schemas.js';
import { adminErrors, adminRead, adminWrite, err, etag, ifMatch, inputSchema, json, jsonBody, pathParam, queryParams } from './openapi-schemas.js';

const id = pathParam('id', 'the node: its id, Pi serial (8 or 16 hex digits), MAC (any usual form) or hostname');
const tags = ['nodes'];
const notFound = { '404': err('no such node') };
const stale = { '412': err('If-Match is not the node\'s current version (version-mismatch)') };

function recordPaths(): Record<string, unknown> {
  return {
    '/api/v1/nodes': {
      get: {
        tags, summary: 'list nodes, oldest first', operationId: 'listNodes', security: adminRead,
        parameters: queryParams(nodeListQuery, { state: 'only nodes in this state', label: 'only nodes carrying label key=value', serial: 'a Pi serial (8 or 16 hex digits)', mac: 'a MAC address in any usual form', limit: 'at most this many', offset: 'skip this many' }),
        responses: { '200': json('the nodes', 'NodeList'), ...adminErrors({ input: true }) },
      },
    },
    '/api/v1/nodes/{id}': {
      parameters: [id],
      get: { tags, summary: 'one node', operationId: 'getNode', security: adminRead, responses: { '200': json('the node', 'Node', etag), ...notFound, ...adminErrors() } },
      patch: {
        tags, summary: 'hostname, labels and watchdog settings (JSON merge patch: a null label removes it)', operationId: 'patchNode', security: adminWrite, parameters: [ifMatch],
        requestBody: jsonBody('NodePatch'), responses: { '200': json('the node as changed', 'Node', etag), ...notFound, '409': err('the hostname belongs to another node'), ...stale, ...adminErrors({ body: true }) },
      },
      delete: {
        tags, summary: 'delete a retired node (any node with force=true); its events stay, ending with a deleted event', operationId: 'deleteNode', security: adminWrite,
        parameters: [ifMatch, ...queryParams(deleteQuery, { force: 'delete a node that is not retired' })],
        responses: { '204': { description: 'deleted: its serial, MACs and UUID may enroll again' }, ...notFound, '409': err('not retired (not-retired)'), ...stale, ...adminErrors({ input: true }) },
      },
    },
    '/api/v1/nodes/{id}/target': {
      parameters: [id],
      put: {
        tags, summary: 'assign a boot target', operationId: 'setTarget', security: adminWrite, parameters: [ifMatch], requestBody: jsonBody('Target'),
        responses: {
          '200': json('the node, with what became of the power effects of the assignment', 'TargetResult', etag), ...notFound,
          '409': err('the state does not take an assignment (invalid-transition), e.g. an installing node'), ...stale, ...adminErrors({ body: true }),
        },
      },
    },
  };
}

function subPaths(): Record<string, unknown> {
  return {
    '/api/v1/nodes/{id}/actions/release-identity': {
      parameters: [id],
      post: {
        tags, summary: 'drop a stale MAC, serial or UUID from a node, clearing its identity conflict', operationId: 'releaseIdentity', security: adminWrite, parameters: [ifMatch],
        requestBody: jsonBody('ReleaseIdentity'), responses: { '200': json('the node', 'Node', etag), ...notFound, ...stale, ...adminErrors({ body: true }) },
      },
    },
    '/api/v1/nodes/{id}/actions/{action}': {
      parameters: [id, pathParam('action', 'what to do', inputSchema(actionParam))],
      post: {
        tags, summary: 'rescue, end-rescue, reboot, power-on, power-off, power-cycle, retire, reset or reprovision-root', operationId: 'nodeAction', security: adminWrite, parameters: [ifMatch],
        requestBody: jsonBody('ActionOptions', false),
        responses: {
          '202': json('accepted: how it reaches the node (its state, its agent at the next poll, or its power controller)', 'ActionResult', etag), ...notFound,
          '409': err('the state does not take it (invalid-transition), no power driver (no-power-driver), or the root is in use (root-in-use)'), ...stale,
          '502': err('the power device refused or did not answer (power-failed); nothing changed', 'PowerError'), ...adminErrors({ body: true }),
        },
      },
    },
    '/api/v1/nodes/{id}/events': {
      parameters: [id],
      get: {
        tags, summary: "the node's event log: oldest first (order=desc: newest first)", operationId: 'nodeEvents', security: adminRead,
        parameters: queryParams(eventsQuery, { limit: 'at most this many (default 500)', after: 'only events with a larger id (page on)', before: 'only events with a smaller id (page back)', order: 'asc (default) or desc', kind: 'only these kinds, comma-separated' }),
        responses: { '200': json('the events', 'NodeEvents'), ...notFound, ...adminErrors({ input: true }) },
      },
    },
    '/api/v1/nodes/{id}/boot-files/{file}': {
      parameters: [id, pathParam('file', 'the file as the node would ask for it, relative to its boot tree; may contain slashes (overlays/x.dtbo)')],
      get: {
        tags, summary: 'the exact bytes the node is served for a boot file (over TFTP or GET /boot/...)', operationId: 'previewBootFile', security: adminRead,
        responses: { '200': { description: 'the file', content: { 'application/octet-stream': { schema: { type: 'string', contentEncoding: 'binary' } } } }, '404': err('no such node, or the node is served nothing under that name'), ...adminErrors() },
      },
    },
    '/api/v1/nodes/{id}/power': {
      parameters: [id],
      put: {
        tags: ['power'], summary: 'link the node to a controller port (port auto: looked up by MAC on snmp-poe), or unlink it (null)', operationId: 'setPowerLink', security: adminWrite,
        requestBody: jsonBody('PowerLink'), responses: { '200': json('the node record (without nextBoot)', 'NodeRecord', etag), ...notFound, ...adminErrors({ body: true }) },
      },
      get: {
        tags: ['power'], summary: 'the power state as the device reports it', operationId: 'powerStatus', security: adminRead,
        responses: { '200': json('what the device says', 'PowerStatus'), ...notFound, '409': err('no power driver (no-power-driver)'), '502': err('the device failed or refused (power-failed)', 'PowerError'), ...adminErrors() },
      },
    },
  };
}

/** The node paths. */
export function nodePaths(): Record<string, unknown> {
  return { ...recordPaths(), ...subPaths() };
}
