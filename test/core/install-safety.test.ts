// What a first week of real use found: nominal RAM in rules, the PARTUUID a
// usb-root takes after an install, and the installs bootherd must refuse.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => (s = await startTestServer()));
after(async () => s.stop());

const discover = async (serial: string, mac: string, extra: Record<string, unknown> = {}) => {
  const r = await s.api('POST', '/api/v1/discovery', piInventory(serial, mac, extra), { auth: null });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { nodeId: string; token: string };
};
const node = async (id: string) => (await s.api('GET', `/api/v1/nodes/${id}`)).body;

test("the README's rule (minMemoryBytes: 4294967296) matches a real 4 GB Pi 4 that the OS says has 4,124,000,000 bytes", async () => {
  const rule = { name: 'rack1', priority: 10, match: { model: 'Pi 4', macPrefixes: ['dc:a6:32'], minMemoryBytes: 4294967296 }, apply: { hostname: 'rack1-pi{seq:02}', labels: { rack: 'r1' }, target: { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/rack1' } } };
  const created = await s.api('POST', '/api/v1/rules', rule);
  assert.equal(created.status, 201);
  try {
    const d = await discover('0000e101', 'dc:a6:32:00:e1:01');
    const n = await node(d.nodeId);
    assert.deepEqual([n.hardware.memoryBytes, n.hardware.boardMemoryBytes], [4124000000, 4294967296]);
    assert.deepEqual([n.hostname, n.labels, n.state, n.target?.kind, n.enrolledBy], ['rack1-pi01', { rack: 'r1' }, 'deployed', 'nfs-root', 'rack1']);
    // A board without a revision code is matched on what its OS sees.
    const noRev = await s.api('POST', '/api/v1/discovery', { ...piInventory('0000e102', 'dc:a6:32:00:e1:02'), revision: null }, { auth: null });
    assert.deepEqual([(await node(noRev.body.nodeId)).hostname, (await node(noRev.body.nodeId)).hardware.boardMemoryBytes], [null, null]);
  } finally {
    await s.api('DELETE', `/api/v1/rules/${created.body.id}`);
  }
});
