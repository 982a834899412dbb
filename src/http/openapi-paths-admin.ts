// /openapi.json: the admin routes on rules, images, power controllers and the
// event stream, and the dashboard's session routes.
import { eventsPageQuery } from './event-routes.js';
import { adminErrors, adminRead, adminWrite, err, json, jsonBody, open, pathParam, queryParams } from './openapi-schemas.js';

const ruleId = pathParam('id', 'the rule id (apply also takes its name)');
const imageName = pathParam('name', 'the image name (1-63 of a-z 0-9 . _ -)');
const controllerName = pathParam('name', 'the controller name (1-63 of a-z 0-9 . _ -)');
const deleted = { '204': { description: 'deleted' } };

function rulePaths(): Record<string, unknown> {
  const tags = ['rules'];
  const missing = { '404': err('no such rule') };
  return {
    '/api/v1/rules': {
      get: { tags, summary: 'enrollment rules, by priority then name', operationId: 'listRules', security: adminRead, responses: { '200': json('the rules', 'RuleList'), ...adminErrors() } },
      post: { tags, summary: 'add a rule', operationId: 'addRule', security: adminWrite, requestBody: jsonBody('RuleInput'), responses: { '201': json('the rule as stored', 'Rule'), '409': err('a rule of that name exists (duplicate)'), ...adminErrors({ body: true }) } },
    },
    '/api/v1/rules/{id}': {
      parameters: [ruleId],
      get: { tags, summary: 'one rule', operationId: 'getRule', security: adminRead, responses: { '200': json('the rule', 'Rule'), ...missing, ...adminErrors() } },
      put: { tags, summary: 'replace a rule', operationId: 'putRule', security: adminWrite, requestBody: jsonBody('RuleInput'), responses: { '200': json('the rule as stored', 'Rule'), ...missing, '409': err('another rule has that name (duplicate)'), ...adminErrors({ body: true }) } },
      delete: { tags, summary: 'delete a rule', operationId: 'deleteRule', security: adminWrite, responses: { ...deleted, ...missing, ...adminErrors() } },
    },
    '/api/v1/rules/{id}/apply': {
      parameters: [ruleId],
      post: {
        tags, summary: 'apply a rule to the nodes that exist and match it; dryRun says what would change and changes nothing', operationId: 'applyRule', security: adminWrite,
        requestBody: jsonBody('RuleApply', false), responses: { '200': json('per node: applied, would-apply, unchanged, skipped or failed, with the changes', 'RuleApplyResult'), ...missing, ...adminErrors({ body: true }) },
      },
    },
  };
}

function imagePaths(): Record<string, unknown> {
  const tags = ['images'];
  const missing = { '404': err('no such image') };
  return {
    '/api/v1/images': { get: { tags, summary: 'images', operationId: 'listImages', security: adminRead, responses: { '200': json('the images', 'ImageList'), ...adminErrors() } } },
    '/api/v1/images/{name}': {
      parameters: [imageName],
      get: { tags, summary: 'one image', operationId: 'getImage', security: adminRead, responses: { '200': json('the image', 'Image'), ...missing, ...adminErrors() } },
      put: { tags, summary: 'create or replace an image (bootDir, rootDir and disk.path must exist on this host)', operationId: 'putImage', security: adminWrite, requestBody: jsonBody('ImageInput'), responses: { '200': json('the image as stored', 'Image'), ...adminErrors({ body: true }) } },
      delete: { tags, summary: 'delete an image no node uses', operationId: 'deleteImage', security: adminWrite, responses: { ...deleted, ...missing, '409': err('nodes use it (image-in-use), named in the message'), ...adminErrors() } },
    },
  };
}

function powerPaths(): Record<string, unknown> {
  const tags = ['power'];
  const missing = { '404': err('no such controller') };
  const fromConfig = { '409': err('defined in the config file: change it there (controller-from-config)') };
  return {
    '/api/v1/power/controllers': { get: { tags, summary: 'power controllers, secrets redacted', operationId: 'listControllers', security: adminRead, responses: { '200': json('the controllers', 'PowerControllerList'), ...adminErrors() } } },
    '/api/v1/power/controllers/{name}': {
      parameters: [controllerName],
      get: { tags, summary: 'one power controller, secrets redacted', operationId: 'getController', security: adminRead, responses: { '200': json('the controller', 'PowerController'), ...missing, ...adminErrors({ input: true }) } },
      put: {
        tags, summary: 'create or replace a controller; a secret left out (or sent back as [redacted]) keeps the stored one', operationId: 'putController', security: adminWrite,
        requestBody: jsonBody('PowerControllerInput'), responses: { '200': json('the controller, secrets redacted', 'PowerController'), ...fromConfig, ...adminErrors({ body: true }) },
      },
      delete: { tags, summary: 'delete a controller', operationId: 'deleteController', security: adminWrite, responses: { ...deleted, ...missing, ...fromConfig, ...adminErrors({ input: true }) } },
    },
    ...Object.fromEntries((['power-on', 'power-cycle'] as const).map((op) => [`/api/v1/power/actions/${op}`, {
      post: {
        tags, summary: `${op} every node a selector picks (state, labels, rack, all), one after another at a stagger from the boot admission budget or given`, operationId: op === 'power-on' ? 'pacedPowerOn' : 'pacedPowerCycle', security: adminWrite,
        requestBody: jsonBody('PacedPower'),
        responses: { '202': json('the plan, carried out from now on: each node with its offset, and nodes skipped for want of a power controller', 'PacedPlan'), '404': err('no node matches the selector'), '409': err('no node selected has a power controller (no-power-driver)'), ...adminErrors({ body: true }) },
      },
    }])),
  };
}

function eventPaths(): Record<string, unknown> {
  const stream = 'Server-Sent Events: each event is an `id:` line (its id) and one `data:` line of JSON (an Event); `: ping` comments every events.heartbeatSeconds. Resume with Last-Event-ID or after=.';
  return {
    '/api/v1/events': {
      get: {
        tags: ['events'], summary: 'events of every node: a JSON page, or with follow=1 a Server-Sent Events stream', operationId: 'events', security: adminRead,
        parameters: [
          ...queryParams(eventsPageQuery, { follow: '1 or true: a text/event-stream that stays open', after: 'only events after this id; without it, the newest (a page) or from now (a stream)', limit: 'page size (default 100)', node: 'only this node (id, serial, MAC or hostname)', kind: 'only these kinds, comma-separated', label: 'only nodes carrying label key=value now' }),
          { name: 'Last-Event-ID', in: 'header', required: false, description: 'resume a stream after this event id (browsers send it by themselves)', schema: { type: 'string', pattern: '^\\s*\\d{1,15}\\s*$' } },
        ],
        responses: {
          '200': { description: 'a page of events (oldest first) and the id to resume after, or the stream', content: { 'application/json': { schema: { $ref: '#/components/schemas/EventsPage' } }, 'text/event-stream': { schema: { type: 'string', description: stream } } } },
          '404': err('no such node (node=)'), '503': err('events.maxClients streams are open (too-many-streams)'), ...adminErrors({ input: true }),
        },
      },
    },
  };
}

function sessionPaths(): Record<string, unknown> {
  const tags = ['dashboard'];
  return {
    '/api/v1/session': {
      post: {
        tags, summary: 'dashboard login: the admin token for an HttpOnly, SameSite=Strict cookie bootherd_session and a CSRF token', operationId: 'login', security: open, requestBody: jsonBody('Login'),
        responses: { '200': json('logged in; Set-Cookie carries the session', 'Session', { 'Set-Cookie': { description: 'bootherd_session=...; Path=/; HttpOnly; SameSite=Strict', schema: { type: 'string' } } }), '400': err('no token'), '401': err('wrong admin token'), '413': err('body larger than 1 MiB'), default: err('any other failure') },
      },
      get: { tags, summary: 'the session the cookie names', operationId: 'session', security: [{ session: [] }], responses: { '200': json('the session', 'Session'), '401': err('not logged in'), default: err('any other failure') } },
      delete: { tags, summary: 'log out (with the CSRF token); the cookie is cleared', operationId: 'logout', security: [{ session: [], csrf: [] }, {}], responses: { '204': { description: 'logged out (also without a session: the cookie is cleared)' }, '403': err('no or wrong X-CSRF-Token'), default: err('any other failure') } },
    },
  };
}

/** The admin paths besides nodes, and the dashboard login. */
export function adminPaths(): Record<string, unknown> {
  return { ...rulePaths(), ...imagePaths(), ...powerPaths(), ...eventPaths(), ...sessionPaths() };
}
