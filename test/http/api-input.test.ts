import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let nodeId: string;
before(async () => {
  s = await startTestServer();
  nodeId = (await s.api('POST', '/api/v1/discovery', piInventory('0000bb01', 'dc:a6:32:00:bb:01'), { auth: null })).body.nodeId;
});
after(async () => s.stop());

const snapshot = async () => (await s.api('GET', `/api/v1/nodes/${nodeId}`)).body;

test('a body over 1 MiB is 413 and changes nothing', async () => {
  const before = await snapshot();
  const huge = { hostname: 'a', labels: { pad: 'x' }, junk: 'y'.repeat(1024 * 1024 + 10) };
  const r = await s.api('PATCH', `/api/v1/nodes/${nodeId}`, huge);
  assert.equal(r.status, 413);
  assert.equal(r.body.error, 'too-large');
  const d = await s.api('POST', '/api/v1/discovery', { ...piInventory('0000bb02', 'dc:a6:32:00:bb:02'), pad: 'z'.repeat(1024 * 1024) }, { auth: null });
  assert.equal(d.status, 413);
  assert.deepEqual(await snapshot(), before);
  assert.equal((await s.api('GET', '/api/v1/nodes?serial=0000bb02')).body.nodes.length, 0);
});

test('wrong types are 400 with the zod issues; invalid JSON is 400; no stack trace leaks', async () => {
  const r = await s.api('POST', '/api/v1/discovery', { nics: 'eth0', cpus: 'four' }, { auth: null });
  assert.equal(r.status, 400);
  assert.equal(r.body.error, 'invalid');
  const paths = (r.body.issues as Array<{ path: string }>).map((i) => i.path).sort();
  assert.deepEqual(paths, ['cpus', 'nics']);
  const j = await s.api('PUT', `/api/v1/nodes/${nodeId}/target`, '{"kind": "local"', {});
  assert.equal(j.status, 400);
  assert.equal(j.body.error, 'invalid-json');
  assert.doesNotMatch(JSON.stringify(j.body), /at .*\.js/);
  const badMac = await s.api('POST', '/api/v1/discovery', { nics: [{ mac: 'dc:a6:32:01:36:c2 init=/bin/sh' }] }, { auth: null });
  assert.equal(badMac.status, 400);
  assert.equal(badMac.body.issues[0].path, 'nics.0.mac');
});

test('values that would land in a kernel command line are refused and change nothing', async () => {
  const before = await snapshot();
  const hostile: Array<[string, string, unknown]> = [
    ['PATCH', `/api/v1/nodes/${nodeId}`, { hostname: 'x init=/bin/sh' }],
    ['PATCH', `/api/v1/nodes/${nodeId}`, { hostname: 'x\ninit=/bin/sh' }],
    ['PATCH', `/api/v1/nodes/${nodeId}`, { hostname: '-bad' }],
    ['PATCH', `/api/v1/nodes/${nodeId}`, { hostname: 'a'.repeat(64) }],
    ['PATCH', `/api/v1/nodes/${nodeId}`, { labels: { role: 'web server' } }],
    ['PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/my root' }],
    ['PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/root"x' }],
    ['PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/../etc' }],
    ['PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'nfs-root', server: '10.0.0.1 init=/bin/sh', path: '/srv/r' }],
    ['PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/r', options: 'vers=3 init=/bin/sh' }],
    ['PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'usb-root', partuuid: "c1f95d14-02'" }],
    ['PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'local', extra: 1 }],
    ['PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'teleport' }],
  ];
  for (const [method, p, body] of hostile) {
    const r = await s.api(method, p, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(Array.isArray(r.body.issues) && r.body.issues.length > 0, JSON.stringify(r.body));
  }
  assert.deepEqual(await snapshot(), before);
});

test('ETag and If-Match: a stale version is 412 and changes nothing', async () => {
  const first = await s.api('GET', `/api/v1/nodes/${nodeId}`);
  const etag = first.headers.get('etag')!;
  assert.equal(etag, `"${first.body.version}"`);
  const ok = await s.api('PATCH', `/api/v1/nodes/${nodeId}`, { labels: { a: '1' } }, { headers: { 'if-match': etag } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('etag'), `"${first.body.version + 1}"`);
  const stale = await s.api('PATCH', `/api/v1/nodes/${nodeId}`, { labels: { a: '2' } }, { headers: { 'if-match': etag } });
  assert.equal(stale.status, 412);
  assert.equal(stale.body.error, 'version-mismatch');
  const staleTarget = await s.api('PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'local' }, { headers: { 'if-match': etag } });
  assert.equal(staleTarget.status, 412);
  const now = await snapshot();
  assert.deepEqual([now.labels.a, now.state], ['1', 'ready']);
});

test('concurrent updates with the same ETag: exactly one wins, the rest get 412', async () => {
  const etag = (await s.api('GET', `/api/v1/nodes/${nodeId}`)).headers.get('etag')!;
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => s.api('PATCH', `/api/v1/nodes/${nodeId}`, { labels: { writer: String(i) } }, { headers: { 'if-match': etag } })));
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412, 412, 412]);
  const winner = results.find((r) => r.status === 200)!.body.labels.writer;
  assert.equal((await snapshot()).labels.writer, winner);
});

test('concurrent updates without If-Match all land (compare-and-set retries)', async () => {
  const start = (await snapshot()).version;
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => s.api('PATCH', `/api/v1/nodes/${nodeId}`, { labels: { [`k${i}`]: 'v' } })));
  assert.ok(results.every((r) => r.status === 200));
  const end = await snapshot();
  assert.equal(end.version, start + 6);
  for (let i = 0; i < 6; i++) assert.equal(end.labels[`k${i}`], 'v');
});

test('unknown routes are JSON 404s', async () => {
  const r = await s.api('GET', '/api/v1/nope');
  assert.equal(r.status, 404);
  assert.equal(r.body.error, 'not-found');
});
