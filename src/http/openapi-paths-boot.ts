// /openapi.json: what booting nodes and their agents call (node-routes.ts,
// disk-route.ts, boot-routes.ts, ipxe-routes.ts), the dashboard's pages, and
// health, metrics and this document.
import { ipxeQuerySchema } from './ipxe-routes.js';
import { nextQuery } from './node-routes.js';
import { agentAuth, err, json, jsonBody, nodeFacingErrors, open, pathParam, plain, queryParams } from './openapi-schemas.js';

const binary = (description: string, headers?: Record<string, unknown>) => ({ description, content: { 'application/octet-stream': { schema: { type: 'string', contentEncoding: 'binary' } } }, ...(headers ? { headers } : {}) });
const retryAfter = { 'Retry-After': { description: 'seconds until a new node may enroll from this source', schema: { type: 'integer' } } };
const enrollRefused = { '429': err('enrolling a new node is refused for now: enroll-rate (enroll.perSourcePerMinute) or enroll-cap (enroll.maxPendingNodes)', 'Error', retryAfter) };
const unauthorized = { '401': err('no agent token, or an unknown or expired one') };

function agentPaths(): Record<string, unknown> {
  const tags = ['node-facing'];
  return {
    '/api/v1/discovery': {
      post: {
        tags, summary: "the discovery image's inventory report (v1): enrolls or updates the node and answers its agent token and what to do", operationId: 'discovery',
        security: [{}, { bootToken: [] }, { agentToken: [] }], requestBody: jsonBody('Inventory'),
        responses: {
          '200': json('the node id, the agent token and the first instruction', 'DiscoveryAnswer'), '401': err('a bearer token that is no token of this node'),
          '403': err('outside bootNetworks, or a node past ready reporting without its boot or agent token'), '409': err('identity conflict: the serial or a MAC belongs to another board (identity-conflict)'),
          ...nodeFacingErrors({ body: true }),
        },
      },
    },
    '/api/v1/agent/next': {
      get: {
        tags, summary: 'what the agent does next (also marks the node as heard from)', operationId: 'agentNext', security: agentAuth,
        parameters: queryParams(nextQuery, { node: "the node id the agent believes it is: refused (403) when it is not the token's" }),
        responses: { '200': json('the instruction', 'AgentInstruction'), '400': err('an unknown query parameter'), ...unauthorized, ...nodeFacingErrors() },
      },
    },
    '/api/v1/agent/report': {
      post: {
        tags, summary: 'heartbeat, install progress and result, rescue-ready; a heartbeat with nodeId may carry the boot token instead (a deployed OS)', operationId: 'agentReport',
        security: [{ agentToken: [] }, { bootToken: [] }], requestBody: jsonBody('AgentReport'),
        responses: { '204': { description: 'recorded' }, ...unauthorized, '409': err('the report does not fit the node\'s state (invalid-transition)'), ...nodeFacingErrors({ body: true }) },
      },
    },
    '/api/v1/agent/rescue-keys': {
      get: {
        tags, summary: 'rescue.authorizedKeys for the rescue SSH server, one OpenSSH public key per line', operationId: 'rescueKeys', security: agentAuth,
        responses: { '200': plain('the keys (empty when none are configured)'), ...unauthorized, '409': err('the node is not in rescue (not-in-rescue)'), ...nodeFacingErrors() },
      },
    },
    '/api/v1/agent/disk': {
      get: {
        tags, summary: "the install image of the asking node, when its image's disk is a file on this host (disk.path)", operationId: 'agentDisk', security: agentAuth,
        responses: { '200': binary('the disk image file as it is (compressed or not)', { 'Content-Length': { schema: { type: 'integer' } } }), ...unauthorized, '404': err('the node is not installing an image kept on this host'), ...nodeFacingErrors() },
      },
    },
  };
}

function bootPaths(): Record<string, unknown> {
  const tags = ['boot'];
  return {
    '/boot/{ident}/{file}': {
      parameters: [
        pathParam('ident', 'a Pi serial (8 hex digits) or a MAC address (any usual form): the same tree as TFTP under the serial or MAC prefix'),
        pathParam('file', 'the file, relative to the node\'s boot tree; may contain slashes (overlays/x.dtbo)'),
      ],
      get: {
        tags, summary: 'a boot file over HTTP: the same bytes as over TFTP; an unknown serial or MAC is enrolled as a new node', operationId: 'bootFile', security: open,
        parameters: [{ name: 'Range', in: 'header', required: false, description: 'one byte range (bytes=START-END, bytes=START-, bytes=-LAST)', schema: { type: 'string' } }],
        responses: {
          '200': binary('the file', { 'Content-Length': { schema: { type: 'integer' } } }), '206': binary('the range asked for', { 'Content-Range': { schema: { type: 'string' } } }),
          '400': err('the first segment is neither a Pi serial nor a MAC'), '404': err('no such file for this node (also every file of a local or retired node)'),
          '416': { description: 'the range lies outside the file (Content-Range: bytes */SIZE), no body' }, ...enrollRefused, ...nodeFacingErrors(),
        },
      },
    },
    '/boot.ipxe': {
      get: { tags, summary: 'the iPXE chain script: chains to /ipxe with the machine\'s MAC, UUID, serial, build arch and platform', operationId: 'ipxeChain', security: open, responses: { '200': plain('an iPXE script'), ...nodeFacingErrors() } },
    },
    '/ipxe': {
      get: {
        tags, summary: "the machine's own iPXE script for its plan (an unknown MAC is enrolled); each script served is an ipxe event", operationId: 'ipxeScript', security: open,
        parameters: queryParams(ipxeQuerySchema, { mac: "the booting NIC's MAC (${net0/mac})", uuid: 'SMBIOS UUID (${uuid}); junk from firmware that cannot report one is ignored', serial: 'system serial (${serial})', buildarch: '${buildarch}', platform: '${platform}' }),
        responses: { '200': plain('an iPXE script'), '400': err('anything odd in the query (a MAC with a space, a UUID with a newline, an unknown key): nothing is rendered'), ...enrollRefused, ...nodeFacingErrors() },
      },
    },
  };
}

function servicePaths(): Record<string, unknown> {
  const tags = ['service'];
  const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
  const redirect = (description: string) => ({ description, headers: { Location: { schema: { type: 'string', const: '/ui/' } } } });
  const ui = 'The dashboard, not an API: plain HTML, a stylesheet and ES modules from src/web/static, served as they are, under a strict Content-Security-Policy. It logs in through POST /api/v1/session and then calls the admin API with the session cookie.';
  return {
    '/healthz': { get: { tags, summary: 'liveness', operationId: 'health', security: open, responses: { '200': json('bootherd answers', 'Health') } } },
    '/metrics': { get: { tags, summary: 'Prometheus metrics (text exposition format 0.0.4)', operationId: 'metrics', security: open, responses: { '200': plain('counters (*_total) and gauges; every state, outcome and kind present from the start, at 0') } } },
    '/openapi.json': { get: { tags, summary: 'this document', operationId: 'openapi', security: open, responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } } },
    '/': { get: { tags: ['dashboard'], summary: 'redirects to the dashboard', operationId: 'root', security: open, responses: { '302': redirect('to /ui/') } } },
    '/ui': { get: { tags: ['dashboard'], summary: 'redirects to /ui/', operationId: 'uiRedirect', security: open, responses: { '301': redirect('to /ui/') } } },
    '/ui/': { get: { tags: ['dashboard'], summary: 'the dashboard (needs dashboard.enabled)', description: ui, operationId: 'dashboard', security: open, responses: { '200': html('index.html'), '404': err('dashboard.enabled is false') } } },
    '/ui/{file}': {
      parameters: [pathParam('file', 'a file under src/web/static (app.js, style.css, ...); may contain slashes')],
      get: { tags: ['dashboard'], summary: "the dashboard's files", description: ui, operationId: 'dashboardFile', security: open, responses: { '200': { description: 'the file, with its content type' }, '404': err('no such file') } },
    },
  };
}

/** Node-facing, boot, dashboard and service paths. */
export function nodeFacingPaths(): Record<string, unknown> {
  return { ...agentPaths(), ...bootPaths(), ...servicePaths() };
}
