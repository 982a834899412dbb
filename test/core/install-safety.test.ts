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

test("usb-root after an install takes the installer's PARTUUID, not the pre-install inventory's, and the node keeps the report", async () => {
  await s.api('PUT', '/api/v1/images/raspios-arm64', { arch: 'arm64', disk: { url: 'http://10.0.0.1/raspios.img', sha256: 'c'.repeat(64) } });
  const d = await discover('0000e201', 'dc:a6:32:00:e2:01');
  assert.equal((await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'install', image: 'raspios-arm64', disk: 'sda', then: { kind: 'usb-root' } })).status, 200);
  const partitions = [{ name: 'sda1', partuuid: 'ABCD0001-01', fstype: 'vfat', label: 'bootfs' }, { name: 'sda2', partuuid: 'ABCD0001-02', fstype: 'ext4', label: 'rootfs' }];
  assert.equal((await s.api('POST', '/api/v1/agent/report', { kind: 'install-succeeded', disk: 'sda', partitions }, { auth: d.token })).status, 204);
  const installed = await node(d.nodeId);
  assert.equal(installed.target.partuuid, 'abcd0001-02');
  assert.deepEqual([installed.installed.disk, installed.installed.image, installed.installed.partitions.map((p: { partuuid: string }) => p.partuuid)], ['sda', 'raspios-arm64', ['abcd0001-01', 'abcd0001-02']]);
  assert.ok(Date.parse(installed.installed.at) > 0);

  assert.equal((await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'local' })).body.target.kind, 'local');
  const back = await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'usb-root' });
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.equal(back.body.target.partuuid, 'abcd0001-02', "the installer's report wins over the inventory's c1f95d14-02");
  // A later report with the old inventory (say from rescue) does not change that.
  assert.equal((await s.api('POST', '/api/v1/discovery', piInventory('0000e201', 'dc:a6:32:00:e2:01'), { auth: d.token })).status, 200);
  assert.equal((await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'usb-root' })).body.target.partuuid, 'abcd0001-02');
  // A node never installed still takes the inventory's single ext4 USB partition.
  const fresh = await discover('0000e202', 'dc:a6:32:00:e2:02');
  assert.equal((await s.api('PUT', `/api/v1/nodes/${fresh.nodeId}/target`, { kind: 'usb-root' })).body.target.partuuid, 'c1f95d14-02');
});
