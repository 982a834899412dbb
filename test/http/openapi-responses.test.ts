// Real answers of a running bootherd match what /openapi.json says of them:
// each status is one the operation documents, each content type one it
// lists, and each JSON body validates against the documented schema (strict:
// a field the document does not know fails). Errors included.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';
import { documentValidator } from './openapi-support.js';

let s: TestServer;
let dir: string;
let doc: { paths: Record<string, Record<string, any>> };
let validator: ReturnType<typeof documentValidator>;
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-openapi-'));
  mkdirSync(path.join(dir, 'boot'));
  writeFileSync(path.join(dir, 'boot', 'kernel8.img'), 'kernel\n');
  s = await startTestServer();
  doc = (await s.api('GET', '/openapi.json', undefined, { auth: null })).body;
  validator = documentValidator(doc as Record<string, unknown>);
});
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Opts = { auth?: string | null; headers?: Record<string, string> };

/** Calls the API and checks the answer against the document; returns it. */
async function call(method: string, template: string, p: string, body?: unknown, o: Opts = {}) {
  const res = await s.api(method, p, body, o);
  const m = method.toLowerCase();
  const op = doc.paths[template]?.[m];
  assert.ok(op, `${method} ${template} is documented`);
  const documented = op.responses[String(res.status)] ?? (res.status >= 500 ? op.responses.default : undefined);
  assert.ok(documented, `${method} ${p}: status ${res.status} is documented (${Object.keys(op.responses).join(', ')}): ${JSON.stringify(res.body)}`);
  const type = res.headers.get('content-type')?.split(';')[0];
  if (!documented.content) {
    assert.ok(res.body === null || res.body === '', `${method} ${p} ${res.status}: no body documented, got ${JSON.stringify(res.body)}`);
    return res;
  }
  assert.ok(type && documented.content[type], `${method} ${p} ${res.status}: content type ${type} documented (${Object.keys(documented.content).join(', ')})`);
  if (type === 'application/json') {
    const problems = validator.problems(['paths', template, m, 'responses', String(res.status) in op.responses ? String(res.status) : 'default', 'content', 'application/json', 'schema'], res.body);
    assert.deepEqual(problems, [], `${method} ${p} ${res.status}: ${JSON.stringify(res.body).slice(0, 600)}`);
  }
  return res;
}

test('node, agent and discovery answers match their schemas', async () => {
  const d = await call('POST', '/api/v1/discovery', '/api/v1/discovery', piInventory('0000ab01', 'dc:a6:32:00:ab:01'), { auth: null });
  assert.equal(d.status, 200);
  const id = d.body.nodeId as string;
  const agent = { auth: d.body.token as string };
  assert.equal((await call('GET', '/api/v1/agent/next', '/api/v1/agent/next', undefined, agent)).body.action, 'hold');
  assert.equal((await call('POST', '/api/v1/agent/report', '/api/v1/agent/report', { kind: 'heartbeat' }, agent)).status, 204);
  assert.equal((await call('GET', '/api/v1/agent/rescue-keys', '/api/v1/agent/rescue-keys', undefined, agent)).status, 409);
  assert.equal((await call('GET', '/api/v1/agent/next', '/api/v1/agent/next', undefined, { auth: 'nobody.nothing' })).status, 401);
  assert.equal((await call('GET', '/api/v1/agent/disk', '/api/v1/agent/disk', undefined, agent)).status, 404);

  await call('GET', '/api/v1/nodes', '/api/v1/nodes?state=ready');
  const one = await call('GET', '/api/v1/nodes/{id}', `/api/v1/nodes/${id}`);
  assert.ok(one.body.nextBoot);
  assert.equal((await call('PATCH', '/api/v1/nodes/{id}', `/api/v1/nodes/${id}`, { hostname: 'rack1-pi01', labels: { rack: 'r1' }, watchdog: { retries: 1 } })).status, 200);
  assert.equal((await call('PATCH', '/api/v1/nodes/{id}', `/api/v1/nodes/${id}`, { hostname: 'not a name' })).status, 400);
  assert.equal((await call('PATCH', '/api/v1/nodes/{id}', `/api/v1/nodes/${id}`, { labels: {} }, { headers: { 'if-match': '"1"' } })).status, 412);
  assert.equal((await call('GET', '/api/v1/nodes/{id}', '/api/v1/nodes/nosuchnode')).status, 404);
  assert.equal((await call('GET', '/api/v1/nodes', '/api/v1/nodes', undefined, { auth: null })).status, 401);
  assert.equal((await call('GET', '/api/v1/nodes', '/api/v1/nodes', undefined, { auth: d.body.token })).status, 403);
  assert.equal((await call('GET', '/api/v1/nodes', '/api/v1/nodes?state=bogus')).status, 400);

  const t = await call('PUT', '/api/v1/nodes/{id}/target', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/rack1-pi01' });
  assert.equal(t.status, 200);
  assert.ok(Array.isArray(t.body.effects));
  assert.equal((await call('PUT', '/api/v1/nodes/{id}/target', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', path: 'relative' })).status, 400);
  assert.equal((await call('POST', '/api/v1/nodes/{id}/actions/{action}', `/api/v1/nodes/${id}/actions/power-on`)).status, 409);
  assert.equal((await call('POST', '/api/v1/nodes/{id}/actions/{action}', `/api/v1/nodes/${id}/actions/explode`)).status, 400);
  assert.equal((await call('POST', '/api/v1/nodes/{id}/actions/{action}', `/api/v1/nodes/${id}/actions/rescue`)).status, 202);
  assert.equal((await call('GET', '/api/v1/agent/rescue-keys', '/api/v1/agent/rescue-keys', undefined, agent)).status, 200);
  await call('GET', '/api/v1/nodes/{id}/events', `/api/v1/nodes/${id}/events?order=desc&limit=5`);
  assert.equal((await call('POST', '/api/v1/nodes/{id}/actions/release-identity', `/api/v1/nodes/${id}/actions/release-identity`, { mac: 'dc:a6:32:00:ff:ff' })).status, 400);
  assert.equal((await call('DELETE', '/api/v1/nodes/{id}', `/api/v1/nodes/${id}`)).status, 409);
});

test('rule, image and power controller answers match their schemas; secrets stay redacted', async () => {
  await call('POST', '/api/v1/discovery', '/api/v1/discovery', piInventory('0000ab02', 'dc:a6:32:00:ab:02'), { auth: null });
  const image = await call('PUT', '/api/v1/images/{name}', '/api/v1/images/raspios', { arch: 'arm64', bootDir: path.join(dir, 'boot'), kernel: 'kernel8.img' });
  assert.equal(image.status, 200);
  await call('GET', '/api/v1/images', '/api/v1/images');
  await call('GET', '/api/v1/images/{name}', '/api/v1/images/raspios');
  assert.equal((await call('PUT', '/api/v1/images/{name}', '/api/v1/images/raspios', { bootDir: path.join(dir, 'missing') })).status, 400);
  const rule = { name: 'rack2', match: { macPrefixes: ['dc:a6:32:00:ab'] }, apply: { hostname: 'rack2-pi{seq:02}', labels: { rack: 'r2' }, target: { kind: 'nfs-root', image: 'raspios', server: '10.0.0.1', path: '/srv/roots/{hostname}' } } };
  const r = await call('POST', '/api/v1/rules', '/api/v1/rules', rule);
  assert.equal(r.status, 201);
  assert.equal((await call('POST', '/api/v1/rules', '/api/v1/rules', rule)).status, 409);
  await call('GET', '/api/v1/rules', '/api/v1/rules');
  await call('GET', '/api/v1/rules/{id}', `/api/v1/rules/${r.body.id}`);
  await call('PUT', '/api/v1/rules/{id}', `/api/v1/rules/${r.body.id}`, { ...rule, priority: 5 });
  const dry = await call('POST', '/api/v1/rules/{id}/apply', `/api/v1/rules/${r.body.id}/apply`, { dryRun: true });
  assert.ok(dry.body.results.some((x: { outcome: string }) => x.outcome === 'would-apply'), JSON.stringify(dry.body));
  assert.equal((await call('POST', '/api/v1/rules/{id}/apply', `/api/v1/rules/${r.body.id}/apply`, {})).status, 200);
  assert.equal((await call('DELETE', '/api/v1/rules/{id}', `/api/v1/rules/${r.body.id}`)).status, 204);
  assert.equal((await call('GET', '/api/v1/rules/{id}', `/api/v1/rules/${r.body.id}`)).status, 404);

  const sw = await call('PUT', '/api/v1/power/controllers/{name}', '/api/v1/power/controllers/sw1', { driver: 'snmp-poe', host: '127.0.0.1', community: 'very-secret-community' });
  assert.equal(sw.body.community, '[redacted]');
  await call('PUT', '/api/v1/power/controllers/{name}', '/api/v1/power/controllers/hand', { driver: 'manual', instructions: 'flip switch' });
  assert.equal((await call('PUT', '/api/v1/power/controllers/{name}', '/api/v1/power/controllers/bad', { driver: 'snmp-poe' })).status, 400);
  const list = await call('GET', '/api/v1/power/controllers', '/api/v1/power/controllers');
  assert.doesNotMatch(JSON.stringify(list.body), /very-secret-community/);
  await call('GET', '/api/v1/power/controllers/{name}', '/api/v1/power/controllers/sw1');
  const node = 'rack2-pi01';
  assert.equal((await call('GET', '/api/v1/nodes/{id}/power', `/api/v1/nodes/${node}/power`)).status, 409);
  assert.equal((await call('PUT', '/api/v1/nodes/{id}/power', `/api/v1/nodes/${node}/power`, { controller: 'hand', port: '3' })).status, 200);
  assert.equal((await call('GET', '/api/v1/nodes/{id}/power', `/api/v1/nodes/${node}/power`)).body.state, 'unknown');
  const cycle = await call('POST', '/api/v1/nodes/{id}/actions/{action}', `/api/v1/nodes/${node}/actions/power-cycle`);
  assert.equal(cycle.body.power?.outcome, 'manual', JSON.stringify(cycle.body));
  assert.equal((await call('DELETE', '/api/v1/images/{name}', '/api/v1/images/raspios')).status, 409);
  assert.equal((await call('DELETE', '/api/v1/power/controllers/{name}', '/api/v1/power/controllers/sw1')).status, 204);
  assert.equal((await call('GET', '/api/v1/power/controllers/{name}', '/api/v1/power/controllers/sw1')).status, 404);
});

test('event pages, the event stream, the session, boot files, iPXE and service answers match the document', async () => {
  await call('POST', '/api/v1/discovery', '/api/v1/discovery', piInventory('0000ab03', 'dc:a6:32:00:ab:03'), { auth: null });
  const page = await call('GET', '/api/v1/events', '/api/v1/events?limit=3&kind=transition,inventory');
  assert.ok(page.body.events.length > 0);
  assert.equal((await call('GET', '/api/v1/events', '/api/v1/events?kind=Not_A_Kind')).status, 400);
  const stream = await openSse(`${s.url}/api/v1/events?follow=1&after=0`, { authorization: `Bearer ${s.token}` });
  try {
    assert.ok(doc.paths['/api/v1/events']!.get.responses['200'].content[String(stream.headers['content-type']).split(';')[0]!]);
    await stream.waitFor((ms) => ms.length >= 3, 30_000, 'three events');
    for (const m of stream.messages) assert.deepEqual(validator.problems(['components', 'schemas', 'Event'], JSON.parse(m.data)), [], m.data);
  } finally {
    stream.close();
  }
  const login = await call('POST', '/api/v1/session', '/api/v1/session', { token: s.token }, { auth: null });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  await call('GET', '/api/v1/session', '/api/v1/session', undefined, { auth: null, headers: { cookie } });
  assert.equal((await call('POST', '/api/v1/session', '/api/v1/session', { token: 'wrong-wrong-wrong' }, { auth: null })).status, 401);
  assert.equal((await call('DELETE', '/api/v1/session', '/api/v1/session', undefined, { auth: null, headers: { cookie } })).status, 403);
  assert.equal((await call('DELETE', '/api/v1/session', '/api/v1/session', undefined, { auth: null, headers: { cookie, 'x-csrf-token': login.body.csrfToken } })).status, 204);

  assert.equal((await call('GET', '/boot/{ident}/{file}', '/boot/0000ab03/config.txt', undefined, { auth: null })).status, 200);
  assert.equal((await call('GET', '/boot/{ident}/{file}', '/boot/not-an-ident/config.txt', undefined, { auth: null })).status, 400);
  assert.equal((await call('GET', '/boot/{ident}/{file}', '/boot/0000ab03/nothing-here.bin', undefined, { auth: null })).status, 404);
  assert.equal((await call('GET', '/api/v1/nodes/{id}/boot-files/{file}', '/api/v1/nodes/0000ab03/boot-files/cmdline.txt')).status, 200);
  assert.equal((await call('GET', '/boot.ipxe', '/boot.ipxe', undefined, { auth: null })).status, 200);
  assert.equal((await call('GET', '/ipxe', '/ipxe?mac=52:54:00:12:34:56&platform=efi&buildarch=x86_64', undefined, { auth: null })).status, 200);
  assert.equal((await call('GET', '/ipxe', '/ipxe?mac=52:54:00:12:34:56&evil=1', undefined, { auth: null })).status, 400);
  await call('GET', '/healthz', '/healthz', undefined, { auth: null });
  await call('GET', '/metrics', '/metrics', undefined, { auth: null });
  await call('GET', '/openapi.json', '/openapi.json', undefined, { auth: null });
  await call('GET', '/ui/', '/ui/', undefined, { auth: null });
});
