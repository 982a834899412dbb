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
  assert.equal((await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'install', image: 'raspios-arm64', disk: '4C530001', then: { kind: 'usb-root' } })).status, 200);
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

test("an image whose arch the node cannot run is refused, naming both; nothing changes", async () => {
  await s.api('PUT', '/api/v1/images/debian-amd64', { arch: 'amd64', disk: { url: 'http://10.0.0.1/debian.img', sha256: 'd'.repeat(64) } });
  await s.api('PUT', '/api/v1/images/raspios-armhf', { arch: 'armhf', disk: { url: 'http://10.0.0.1/raspios32.img', sha256: 'e'.repeat(64) } });
  await s.api('PUT', '/api/v1/images/raspios-arm64', { arch: 'arm64', disk: { url: 'http://10.0.0.1/raspios.img', sha256: 'c'.repeat(64) } });
  const pi = await discover('0000e301', 'dc:a6:32:00:e3:01');
  const before = await node(pi.nodeId);
  const wrong = await s.api('PUT', `/api/v1/nodes/${pi.nodeId}/target`, { kind: 'install', image: 'debian-amd64', disk: '4C530001', then: { kind: 'local' } });
  assert.equal(wrong.status, 400);
  assert.deepEqual(wrong.body.issues.map((i: { path: string }) => i.path), ['target.image']);
  assert.match(wrong.body.message, /image 'debian-amd64' is for amd64 but node \S+ is aarch64/);
  const wrongThen = await s.api('PUT', `/api/v1/nodes/${pi.nodeId}/target`, { kind: 'install', image: 'raspios-arm64', disk: '4C530001', then: { kind: 'usb-root', image: 'debian-amd64' } });
  assert.equal(wrongThen.status, 400);
  assert.equal(wrongThen.body.issues[0].path, 'target.then.image');
  assert.deepEqual(await node(pi.nodeId), before, 'nothing changed');
  // A 64-bit Pi runs 32-bit Raspberry Pi OS too.
  assert.equal((await s.api('PUT', `/api/v1/nodes/${pi.nodeId}/target`, { kind: 'install', image: 'raspios-armhf', disk: '4C530001', then: { kind: 'local' } })).status, 200);

  const pc = await s.api('POST', '/api/v1/discovery', { arch: 'x86_64', nics: [{ name: 'eno1', mac: '52:54:00:e3:00:01', booted: true }], disks: [{ name: 'nvme0n1', sizeBytes: 500107862016, serial: 'S64DNX0R123456', transport: 'nvme' }] }, { auth: null });
  const onPc = await s.api('PUT', `/api/v1/nodes/${pc.body.nodeId}/target`, { kind: 'install', image: 'raspios-arm64', disk: 'nvme-Samsung_SSD_980_S64DNX0R123456', then: { kind: 'local' } });
  assert.equal(onPc.status, 400);
  assert.match(onPc.body.message, /image 'raspios-arm64' is for arm64 but node \S+ is x86_64 \(it runs amd64\)/);
  assert.equal((await s.api('PUT', `/api/v1/nodes/${pc.body.nodeId}/target`, { kind: 'install', image: 'debian-amd64', disk: 'nvme-Samsung_SSD_980_S64DNX0R123456', then: { kind: 'local' } })).status, 200);
});

test('a rule with an install target and an empty match is refused', async () => {
  const install = { kind: 'install', image: 'raspios-arm64', disk: '4C530001', then: { kind: 'usb-root' } };
  for (const match of [undefined, {}, { labels: {} }, { model: '' }, { minMemoryBytes: 0 }]) {
    const r = await s.api('POST', '/api/v1/rules', { name: 'wipe-all', ...(match ? { match } : {}), apply: { target: install } });
    assert.equal(r.status, 400, JSON.stringify(match));
    assert.equal(r.body.issues[0].path, 'match');
    assert.match(r.body.issues[0].message, /must match something/);
  }
  assert.equal((await s.api('GET', '/api/v1/rules')).body.rules.length, 0, 'no rule was stored');
  const ok = await s.api('POST', '/api/v1/rules', { name: 'rack2-install', match: { macPrefixes: ['dc:a6:32:02'] }, apply: { target: install } });
  assert.equal(ok.status, 201);
  assert.equal((await s.api('PUT', `/api/v1/rules/${ok.body.id}`, { name: 'rack2-install', apply: { target: install } })).status, 400, 'nor by replacing it');
  assert.equal((await s.api('POST', '/api/v1/rules', { name: 'label-all', apply: { labels: { seen: 'yes' } } })).status, 201, 'an empty match is fine without an install');
  for (const r of (await s.api('GET', '/api/v1/rules')).body.rules) await s.api('DELETE', `/api/v1/rules/${r.id}`);
});

test("assign on an installing node is 409 saying how to get out: reset", async () => {
  const d = await discover('0000e401', 'dc:a6:32:00:e4:01');
  await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'install', image: 'raspios-arm64', disk: '4C530001', then: { kind: 'local' } });
  const r = await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'local' });
  assert.equal(r.status, 409);
  assert.equal(r.body.error, 'invalid-transition');
  assert.match(r.body.message, /state 'installing' does not accept event 'assign': .*'reset'/);
  assert.equal((await node(d.nodeId)).state, 'installing');
  assert.equal((await s.api('POST', `/api/v1/nodes/${d.nodeId}/actions/reset`)).body.node.state, 'new');
  assert.equal((await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'local' })).body.state, 'deployed');
});
