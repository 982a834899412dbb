// /openapi.json is a valid OpenAPI 3.1 document (checked by a real validator,
// and every schema in it by a strict JSON Schema 2020-12 compiler), and it
// describes exactly the routes the running app serves: none missing, none extra.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { httpServerOf, servedRoutes } from './openapi-support.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const methods = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

let s: TestServer;
let doc: { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } };
before(async () => {
  s = await startTestServer();
  doc = (await s.api('GET', '/openapi.json', undefined, { auth: null })).body;
});
after(() => s.stop());

test('the served document validates against the OpenAPI 3.1 schema', async () => {
  const v = new Validator();
  const r = await v.validate(doc as never);
  assert.equal(r.valid, true, JSON.stringify(r.errors, null, 2));
  assert.equal(v.version, '3.1');
});

test('every component schema compiles as strict JSON Schema 2020-12', () => {
  const ajv = addFormats(new Ajv2020({ strict: true, strictRequired: false, allErrors: true }));
  const text = JSON.stringify(doc.components.schemas).replaceAll('"#/components/schemas/', '"urn:bootherd:c#/$defs/');
  ajv.addSchema({ $id: 'urn:bootherd:c', $defs: JSON.parse(text) });
  const names = Object.keys(doc.components.schemas);
  for (const name of names) assert.doesNotThrow(() => ajv.getSchema(`urn:bootherd:c#/$defs/${name}`), name);
  for (const want of ['Node', 'Event', 'Rule', 'Image', 'PowerController', 'Error', 'RuleApplyResult', 'Target', 'Inventory']) assert.ok(names.includes(want), `component ${want}`);
});

test('every route the app serves is in the document, and the document names no route the app lacks', async () => {
  const served = servedRoutes(await httpServerOf(s));
  const documented = Object.entries(doc.paths).flatMap(([p, item]) => methods.filter((m) => item[m]).map((m) => `${m} ${p}`));
  const servedKeys = served.filter((r) => r.method !== 'use').map((r) => `${r.method} ${r.path}`);
  assert.ok(servedKeys.length > 40, `the walk found the app's routes (${servedKeys.length})`);
  const missing = servedKeys.filter((k) => !documented.includes(k));
  assert.deepEqual(missing, [], 'served but not documented');
  // A static mount serves a tree: the document must describe its index and its files.
  for (const mount of served.filter((r) => r.method === 'use')) {
    assert.ok(doc.paths[mount.path]?.get, `${mount.path} (static) documented`);
    assert.ok(Object.keys(doc.paths).some((p) => p.startsWith(mount.path) && p !== mount.path && doc.paths[p]!.get), `files under ${mount.path} documented`);
  }
  const staticPaths = (p: string) => served.some((r) => r.method === 'use' && p.startsWith(r.path));
  const extra = documented.filter((k) => !servedKeys.includes(k) && !staticPaths(k.split(' ')[1]!));
  assert.deepEqual(extra, [], 'documented but not served');
});

test('the boot, iPXE, agent, event, session and service routes are there, with their parameters', () => {
  for (const p of ['/boot.ipxe', '/ipxe', '/boot/{ident}/{file}', '/api/v1/nodes/{id}/boot-files/{file}', '/api/v1/agent/next', '/api/v1/agent/report', '/api/v1/agent/rescue-keys', '/api/v1/agent/disk', '/api/v1/events', '/api/v1/session', '/healthz', '/metrics', '/openapi.json', '/ui/']) {
    assert.ok(doc.paths[p], p);
  }
  const params = (p: string, m: string) => [...(doc.paths[p]!.parameters ?? []), ...(doc.paths[p]![m].parameters ?? [])].map((x: { name: string; in: string }) => `${x.in}:${x.name}`);
  assert.deepEqual(params('/ipxe', 'get').sort(), ['query:buildarch', 'query:mac', 'query:platform', 'query:serial', 'query:uuid']);
  assert.ok(params('/api/v1/events', 'get').includes('query:follow') && params('/api/v1/events', 'get').includes('header:Last-Event-ID'));
  assert.deepEqual(params('/api/v1/nodes', 'get').sort(), ['query:label', 'query:limit', 'query:mac', 'query:offset', 'query:serial', 'query:state']);
  // Every path template's parameters are declared.
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of methods.filter((x) => item[x])) {
      const declared = params(p, m);
      for (const [, name] of p.matchAll(/\{([^}]+)\}/g)) assert.ok(declared.includes(`path:${name}`), `${m} ${p}: path parameter ${name}`);
    }
  }
  assert.ok(doc.paths['/api/v1/events']!.get.responses['200'].content['text/event-stream'], 'the stream is documented');
});

test('every 4xx and 5xx answer has the error shape, and admin routes name their credentials', () => {
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of methods.filter((x) => item[x])) {
      const op = item[m];
      assert.ok(Array.isArray(op.security), `${m} ${p}: security stated`);
      if (p.startsWith('/api/v1/') && !p.startsWith('/api/v1/agent/') && !['/api/v1/discovery', '/api/v1/session'].includes(p)) {
        assert.deepEqual(op.security.map((s: Record<string, unknown>) => Object.keys(s).sort().join('+')), ['bearer', m === 'get' ? 'session' : 'csrf+session'], `${m} ${p}`);
      }
      for (const [status, r] of Object.entries(op.responses as Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>)) {
        if (!/^[45]|default/.test(status) || status === '416') continue;
        const ref = r.content?.['application/json']?.schema.$ref;
        assert.ok(ref === '#/components/schemas/Error' || ref === '#/components/schemas/PowerError', `${m} ${p} ${status}: ${ref}`);
      }
    }
  }
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['agentToken', 'bearer', 'bootToken', 'csrf', 'session']);
});

test('power controller secrets are write-only in requests and redacted in answers', () => {
  const input = JSON.stringify(doc.components.schemas.PowerControllerInput);
  const view = doc.components.schemas.PowerController as { oneOf: Array<{ properties: Record<string, { const?: string; writeOnly?: boolean }> }> };
  const snmp = view.oneOf.find((v) => (v.properties.driver as { const?: string }).const === 'snmp-poe')!;
  assert.equal(snmp.properties.community!.const, '[redacted]');
  assert.match(input, /"community":\{[^}]*"writeOnly":true/);
});
