// Deleting nodes and releasing stale identities, so that a board whose NIC
// changed (or a NIC that moved to another board) can enroll again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => (s = await startTestServer()));
after(async () => s.stop());

type Ev = { kind: string; data: Record<string, unknown> };
const report = (serial: string, mac: string, token: string | null = null) => s.api('POST', '/api/v1/discovery', piInventory(serial, mac), { auth: token });
const node = async (ref: string) => (await s.api('GET', `/api/v1/nodes/${ref}`)).body;

test('DELETE refuses a node that is not retired unless ?force=true; events stay, ending with deleted', async () => {
  const d = (await report('0000f101', 'dc:a6:32:00:f1:01')).body;
  const refused = await s.api('DELETE', `/api/v1/nodes/${d.nodeId}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error, 'not-retired');
  assert.match(refused.body.message, /is 'ready', not 'retired': retire it first .* \?force=true/);
  assert.equal((await node(d.nodeId)).state, 'ready', 'nothing changed');

  const version = (await node(d.nodeId)).version;
  assert.equal((await s.api('DELETE', `/api/v1/nodes/${d.nodeId}?force=true`, undefined, { headers: { 'if-match': `"${version - 1}"` } })).status, 412, 'a stale If-Match');
  assert.equal((await s.api('DELETE', `/api/v1/nodes/${d.nodeId}?force=yes`)).status, 400);
  assert.equal((await s.api('DELETE', `/api/v1/nodes/${d.nodeId}?force=true`)).status, 204);
  assert.equal((await s.api('GET', `/api/v1/nodes/${d.nodeId}`)).status, 404);
  assert.equal((await s.api('GET', '/api/v1/nodes?mac=dc:a6:32:00:f1:01')).body.nodes.length, 0, 'its MAC is free');
  const events = (await s.api('GET', `/api/v1/nodes/${d.nodeId}/events`)).body.events as Ev[];
  assert.deepEqual(events.map((e) => e.kind).slice(0, 1), ['seen']);
  assert.equal(events.at(-1)?.kind, 'deleted');
  assert.deepEqual([events.at(-1)?.data.state, events.at(-1)?.data.force], ['ready', true]);
  assert.equal((await s.api('DELETE', `/api/v1/nodes/${d.nodeId}`)).status, 404);

  // The same board enrolls again, as a new node.
  const again = await report('0000f101', 'dc:a6:32:00:f1:01');
  assert.equal(again.status, 200);
  assert.notEqual(again.body.nodeId, d.nodeId);
});

test('a retired node is deleted without force', async () => {
  const d = (await report('0000f102', 'dc:a6:32:00:f1:02')).body;
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/retire`)).status, 202);
  assert.equal((await s.api('DELETE', `/api/v1/nodes/0000f102`)).status, 204);
  assert.equal((await s.api('GET', `/api/v1/nodes/${d.nodeId}`)).status, 404);
});

test('a board whose NIC changed: release the old MAC, the conflict clears and the board reports again', async () => {
  const d = (await report('0000f103', 'dc:a6:32:00:f1:03')).body;
  const clash = await report('0000f103', 'dc:a6:32:00:f1:99');
  assert.equal(clash.status, 409);
  assert.match(String((await node(d.nodeId)).conflict), /serial 0000f103/);

  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/release-identity`, { mac: 'dc:a6:32:00:f1:42' })).status, 400, 'a MAC it does not hold');
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/release-identity`, { mac: 'dc:a6:32:00:f1:03', serial: '0000f103' })).status, 400, 'one at a time');
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/release-identity`, { mac: 'not a mac' })).status, 400);
  const released = await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/release-identity`, { mac: 'DC-A6-32-00-F1-03' });
  assert.equal(released.status, 200, JSON.stringify(released.body));
  assert.deepEqual([released.body.identity.macs, released.body.conflict], [[], null]);

  const back = await report('0000f103', 'dc:a6:32:00:f1:99');
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.equal(back.body.nodeId, d.nodeId, 'the same node');
  assert.deepEqual((await node(d.nodeId)).identity.macs, ['dc:a6:32:00:f1:99']);
  const kinds = ((await s.api('GET', `/api/v1/nodes/${d.nodeId}/events`)).body.events as Ev[]).map((e) => e.kind);
  assert.ok(kinds.indexOf('identity-conflict') < kinds.indexOf('identity-released'));
});

test('a NIC moved to another board: release it from the old node, the new board enrolls with it', async () => {
  const old = (await report('0000f104', 'dc:a6:32:00:f1:04')).body;
  assert.equal((await report('0000f105', 'dc:a6:32:00:f1:04')).status, 409);
  assert.equal((await s.api('POST', `/api/v1/nodes/0000f104/actions/release-identity`, { mac: 'dc:a6:32:00:f1:04' })).status, 200);
  const fresh = await report('0000f105', 'dc:a6:32:00:f1:04');
  assert.equal(fresh.status, 200);
  assert.notEqual(fresh.body.nodeId, old.nodeId);
  assert.equal((await node('dc:a6:32:00:f1:04')).identity.serial, '0000f105');
  // A serial can be released too.
  const r = await s.api('POST', `/api/v1/nodes/${old.nodeId}/actions/release-identity`, { serial: '100000000000f104' });
  assert.equal(r.body.identity.serial, null);
});
