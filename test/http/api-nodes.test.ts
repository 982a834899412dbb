import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => (s = await startTestServer()));
after(async () => s.stop());

async function discovered(serial: string, mac: string) {
  const r = await s.api('POST', '/api/v1/discovery', piInventory(serial, mac), { auth: null });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { nodeId: string; token: string; next: { action: string } };
}

test('health, metrics and openapi answer without a token', async () => {
  assert.deepEqual((await s.api('GET', '/healthz', undefined, { auth: null })).body, { status: 'ok' });
  await discovered('0000aa01', 'dc:a6:32:00:aa:01');
  const metrics = await s.api('GET', '/metrics', undefined, { auth: null });
  assert.match(metrics.body, /^bootherd_nodes\{state="ready"\} \d+$/m);
  assert.match(metrics.body, /bootherd_node_reports_total\{kind="discovery"\} \d+/);
  const spec = (await s.api('GET', '/openapi.json', undefined, { auth: null })).body;
  assert.equal(spec.openapi, '3.1.0');
  assert.ok(spec.paths['/api/v1/nodes/{id}/target'].put);
  assert.deepEqual(spec.components.schemas.Target.oneOf?.length ?? spec.components.schemas.Target.anyOf?.length, 4);
});

test('admin endpoints refuse no token, a wrong token and an agent token', async () => {
  const { token } = await discovered('0000aa02', 'dc:a6:32:00:aa:02');
  const none = await s.api('GET', '/api/v1/nodes', undefined, { auth: null });
  assert.equal(none.status, 401);
  assert.equal(none.body.error, 'unauthorized');
  assert.equal((await s.api('GET', '/api/v1/nodes', undefined, { auth: 'wrong-token-wrong-token' })).status, 401);
  assert.equal((await s.api('GET', '/api/v1/nodes', undefined, { auth: token })).status, 403);
});

test('discovery enrolls a node in ready and returns an agent token that polls', async () => {
  const d = await discovered('0000aa03', 'DC-A6-32-00-AA-03');
  assert.deepEqual(d.next, { action: 'hold', pollSeconds: 10 });
  const node = (await s.api('GET', `/api/v1/nodes/${d.nodeId}`)).body;
  assert.equal(node.state, 'ready');
  assert.deepEqual(node.identity, { serial: '0000aa03', macs: ['dc:a6:32:00:aa:03'], uuid: null });
  assert.equal(node.hardware.model, 'Raspberry Pi 4 Model B Rev 1.1');
  assert.equal(node.hardware.memoryBytes, 4124000000);
  assert.equal(node.bootToken, undefined, 'secrets are not shown');
  const next = await s.api('GET', '/api/v1/agent/next', undefined, { auth: d.token });
  assert.deepEqual(next.body, { action: 'hold', pollSeconds: 10 });
  assert.equal((await s.api('GET', '/api/v1/agent/next', undefined, { auth: null })).status, 401);
  assert.equal((await s.api('GET', '/api/v1/agent/next', undefined, { auth: `${d.nodeId}.forged` })).status, 401);
});

test('an agent token acts only for its own node', async () => {
  const a = await discovered('0000aa04', 'dc:a6:32:00:aa:04');
  const b = await discovered('0000aa05', 'dc:a6:32:00:aa:05');
  const r = await s.api('POST', '/api/v1/agent/report', { kind: 'heartbeat', nodeId: a.nodeId }, { auth: b.token });
  assert.equal(r.status, 403);
  assert.equal((await s.api('GET', `/api/v1/agent/next?node=${a.nodeId}`, undefined, { auth: b.token })).status, 403);
  assert.equal((await s.api('POST', '/api/v1/agent/report', { kind: 'heartbeat', nodeId: a.nodeId }, { auth: a.token })).status, 204);
  // Once A is deployed, B's agent token cannot rewrite A's inventory.
  assert.equal((await s.api('PUT', `/api/v1/nodes/${a.nodeId}/target`, { kind: 'local' })).status, 200);
  assert.equal((await s.api('POST', '/api/v1/discovery', piInventory('0000aa04', 'dc:a6:32:00:aa:04'), { auth: b.token })).status, 403);
  assert.equal((await s.api('POST', '/api/v1/discovery', piInventory('0000aa04', 'dc:a6:32:00:aa:04'), { auth: null })).status, 403);
  assert.equal((await s.api('POST', '/api/v1/discovery', piInventory('0000aa04', 'dc:a6:32:00:aa:04'), { auth: a.token })).status, 200);
});

test('nodes list filters by state, label, serial and MAC', async () => {
  const d = await discovered('0000aa06', 'dc:a6:32:00:aa:06');
  await s.api('PATCH', `/api/v1/nodes/${d.nodeId}`, { labels: { rack: 'r9' } });
  const ids = async (q: string) => ((await s.api('GET', `/api/v1/nodes?${q}`)).body.nodes as Array<{ id: string }>).map((n) => n.id);
  assert.deepEqual(await ids('label=rack=r9'), [d.nodeId]);
  assert.deepEqual(await ids('serial=100000000000aa06'), [d.nodeId]);
  assert.deepEqual(await ids('mac=DC-A6-32-00-AA-06'), [d.nodeId]);
  assert.ok((await ids('state=ready')).includes(d.nodeId));
  assert.ok(!(await ids('state=deployed')).includes(d.nodeId));
  assert.equal((await s.api('GET', '/api/v1/nodes?state=sleeping')).status, 400);
});

test('a node can be addressed by id, serial, MAC or hostname; unknown is 404', async () => {
  const d = await discovered('0000aa07', 'dc:a6:32:00:aa:07');
  await s.api('PATCH', `/api/v1/nodes/${d.nodeId}`, { hostname: 'Rack1-Pi07' });
  for (const ref of [d.nodeId, '0000aa07', 'dc-a6-32-00-aa-07', 'rack1-pi07']) {
    assert.equal((await s.api('GET', `/api/v1/nodes/${ref}`)).body.id, d.nodeId, ref);
  }
  const missing = await s.api('GET', '/api/v1/nodes/ffffffff');
  assert.equal(missing.status, 404);
  assert.match(missing.body.message, /node ffffffff: not found/);
  assert.equal((await s.api('PUT', '/api/v1/nodes/ffffffff/target', { kind: 'local' })).status, 404);
  assert.equal((await s.api('POST', '/api/v1/nodes/ffffffff/actions/rescue')).status, 404);
  assert.equal((await s.api('GET', '/api/v1/nodes/ffffffff/events')).status, 404);
});

test('PATCH sets hostname and labels; a duplicate hostname is 409', async () => {
  const a = await discovered('0000aa08', 'dc:a6:32:00:aa:08');
  const b = await discovered('0000aa09', 'dc:a6:32:00:aa:09');
  const r = await s.api('PATCH', `/api/v1/nodes/${a.nodeId}`, { hostname: 'web-1', labels: { role: 'web', zone: 'a' } });
  assert.equal(r.status, 200);
  assert.deepEqual([r.body.hostname, r.body.labels], ['web-1', { role: 'web', zone: 'a' }]);
  const r2 = await s.api('PATCH', `/api/v1/nodes/${a.nodeId}`, { labels: { zone: null } });
  assert.deepEqual(r2.body.labels, { role: 'web' });
  const dup = await s.api('PATCH', `/api/v1/nodes/${b.nodeId}`, { hostname: 'web-1' });
  assert.equal(dup.status, 409);
  assert.match(dup.body.message, /hostname is already used/);
});

test('PUT target moves a ready node to deployed; illegal transitions are 409 naming state and event', async () => {
  const d = await discovered('0000aa10', 'dc:a6:32:00:aa:10');
  const r = await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/pi10' });
  assert.equal(r.status, 200);
  assert.equal(r.body.state, 'deployed');
  assert.deepEqual(r.body.target, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/pi10', options: 'vers=3' });
  assert.deepEqual((await s.api('GET', '/api/v1/agent/next', undefined, { auth: d.token })).body, { action: 'reboot' });
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/end-rescue`)).status, 409);
  await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/retire`);
  const refused = await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'local' });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error, 'invalid-transition');
  assert.match(refused.body.message, /state 'retired' does not accept event 'assign'/);
});

test('usb-root takes its PARTUUID from the inventory; an unknown image is 400', async () => {
  const d = await discovered('0000aa11', 'dc:a6:32:00:aa:11');
  const r = await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'usb-root' });
  assert.deepEqual(r.body.target, { kind: 'usb-root', partuuid: 'c1f95d14-02' });
  const bad = await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'usb-root', image: 'nope' });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.issues, [{ path: 'target.image', message: "no image named 'nope'" }]);
});

test('actions: rescue and end-rescue, reboot through the agent, power-on without a driver is 409, reset', async () => {
  const d = await discovered('0000aa12', 'dc:a6:32:00:aa:12');
  const reboot = await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/reboot`);
  assert.equal(reboot.status, 202);
  assert.equal(reboot.body.delivery, 'agent');
  assert.deepEqual((await s.api('GET', '/api/v1/agent/next', undefined, { auth: d.token })).body, { action: 'reboot' });
  assert.deepEqual((await s.api('GET', '/api/v1/agent/next', undefined, { auth: d.token })).body.action, 'hold', 'a pending action is handed out once');
  const on = await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/power-on`);
  assert.equal(on.status, 409);
  assert.equal(on.body.error, 'no-power-driver');
  await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'local' });
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/rescue`)).body.node.state, 'rescue');
  assert.deepEqual((await s.api('GET', '/api/v1/agent/next', undefined, { auth: d.token })).body, { action: 'rescue', pollSeconds: 10 });
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/end-rescue`)).body.node.state, 'deployed');
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/reset`)).body.node.state, 'new');
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/explode`)).status, 400);
  const events = (await s.api('GET', `/api/v1/nodes/${d.nodeId}/events`)).body.events as Array<{ kind: string; data: Record<string, unknown> }>;
  assert.deepEqual(events.filter((e) => e.kind === 'transition').map((e) => e.data.to), ['ready', 'deployed', 'rescue', 'deployed', 'new']);
  assert.ok(events.some((e) => e.kind === 'power' && e.data.outcome === 'skipped' && e.data.op === 'cycle'), 'the power-cycle for rescue is on record as not carried out');
});
