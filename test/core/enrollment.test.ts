import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { findOrEnroll } from '../../src/core/enroll.js';
import { testSettings } from '../helpers/core-deps.js';
import { silentLogger } from '../../src/log.js';

let s: TestServer;
before(async () => (s = await startTestServer()));
after(async () => s.stop());

type Ev = { kind: string; data: Record<string, unknown> };
const eventsOf = async (id: string) => (await s.api('GET', `/api/v1/nodes/${id}/events`)).body.events as Ev[];

// Seeds records the way TFTP and iPXE first see boards: one by serial, one by MAC.
async function seed(ids: Array<{ serial: string } | { mac: string }>): Promise<string[]> {
  const store = createSqliteStore(`${s.dataDir}/bootherd.db`);
  const deps = { store, now: () => new Date(), logger: silentLogger, settings: testSettings() };
  const out: string[] = [];
  for (const id of ids) out.push((await findOrEnroll(deps, id, { ip: '10.9.0.5', via: 'tftp' })).node.id);
  await store.close();
  return out;
}

test('a node first seen by serial and one first seen by MAC are merged into the older one by a linking report', async () => {
  const [bySerial, byMac] = (await seed([{ serial: '0000cc01' }, { mac: 'dc:a6:32:00:cc:01' }])) as [string, string];
  await s.api('PATCH', `/api/v1/nodes/${byMac}`, { hostname: 'merged-1', labels: { from: 'ipxe' } });
  const r = await s.api('POST', '/api/v1/discovery', piInventory('0000cc01', 'dc:a6:32:00:cc:01'), { auth: null });
  assert.equal(r.status, 200);
  assert.equal(r.body.nodeId, bySerial, 'the older record survives');
  const node = (await s.api('GET', `/api/v1/nodes/${bySerial}`)).body;
  assert.deepEqual(node.identity, { serial: '0000cc01', macs: ['dc:a6:32:00:cc:01'], uuid: null });
  assert.equal(node.hostname, 'merged-1');
  assert.deepEqual(node.labels, { from: 'ipxe' });
  assert.equal((await s.api('GET', `/api/v1/nodes/${byMac}`)).status, 404);
  const events = await eventsOf(bySerial);
  const merged = events.find((e) => e.kind === 'merged');
  assert.equal(merged?.data.absorbed, byMac);
  assert.ok(events.some((e) => e.kind === 'updated'), "the absorbed record's events moved over");
});

test('a serial claimed with a different MAC is an identity conflict, flagged and never merged', async () => {
  const first = await s.api('POST', '/api/v1/discovery', piInventory('0000cc02', 'dc:a6:32:00:cc:02'), { auth: null });
  const before = (await s.api('GET', `/api/v1/nodes/${first.body.nodeId}`)).body;
  const clash = await s.api('POST', '/api/v1/discovery', piInventory('0000cc02', 'dc:a6:32:00:cc:99'), { auth: null });
  assert.equal(clash.status, 409);
  assert.equal(clash.body.error, 'identity-conflict');
  const after = (await s.api('GET', `/api/v1/nodes/${first.body.nodeId}`)).body;
  assert.equal(after.health, 'ok', 'health is about wedges; the conflict has its own field');
  assert.match(String(after.conflict), /serial 0000cc02 is claimed with MAC dc:a6:32:00:cc:99/);
  assert.deepEqual(after.identity, before.identity);
  assert.equal((await s.api('GET', '/api/v1/nodes?mac=dc:a6:32:00:cc:99')).body.nodes.length, 0, 'no record for the clashing board');
  const conflict = (await eventsOf(first.body.nodeId)).find((e) => e.kind === 'identity-conflict');
  assert.match(String(conflict?.data.reason), /serial 0000cc02 is claimed with MAC dc:a6:32:00:cc:99/);
});

test('a MAC claimed by a board with another serial is a conflict too', async () => {
  await s.api('POST', '/api/v1/discovery', piInventory('0000cc03', 'dc:a6:32:00:cc:03'), { auth: null });
  const clash = await s.api('POST', '/api/v1/discovery', piInventory('0000cc04', 'dc:a6:32:00:cc:03'), { auth: null });
  assert.equal(clash.status, 409);
  assert.equal((await s.api('GET', '/api/v1/nodes?serial=0000cc04')).body.nodes.length, 0);
});

test('an enrollment rule names, labels and targets a new board, with a per-rule sequence', async () => {
  const rule = await s.api('POST', '/api/v1/rules', { name: 'rack7', priority: 10, match: { macPrefixes: ['dc:a6:32:07'], model: 'Pi 4' }, apply: { hostname: 'rack7-pi{seq:02}', labels: { rack: 'r7' }, target: { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/rack7' } } });
  assert.equal(rule.status, 201);
  const a = await s.api('POST', '/api/v1/discovery', piInventory('0000cd01', 'dc:a6:32:07:00:01'), { auth: null });
  const b = await s.api('POST', '/api/v1/discovery', piInventory('0000cd02', 'dc:a6:32:07:00:02'), { auth: null });
  const other = await s.api('POST', '/api/v1/discovery', piInventory('0000cd03', 'dc:a6:32:08:00:03'), { auth: null });
  assert.deepEqual([a.body.next, b.body.next, other.body.next.action], [{ action: 'reboot' }, { action: 'reboot' }, 'hold']);
  const na = (await s.api('GET', `/api/v1/nodes/${a.body.nodeId}`)).body;
  const nb = (await s.api('GET', `/api/v1/nodes/${b.body.nodeId}`)).body;
  assert.deepEqual([na.hostname, na.state, na.labels, na.enrolledBy, na.target.kind], ['rack7-pi01', 'deployed', { rack: 'r7' }, 'rack7', 'nfs-root']);
  assert.equal(nb.hostname, 'rack7-pi02');
  assert.equal((await s.api('GET', `/api/v1/nodes/${other.body.nodeId}`)).body.hostname, null);
  // A second report from an enrolled board does not re-apply the rule.
  const again = await s.api('POST', '/api/v1/discovery', piInventory('0000cd01', 'dc:a6:32:07:00:01'), { auth: a.body.token });
  assert.equal(again.status, 200);
  assert.equal((await s.api('GET', `/api/v1/nodes/${a.body.nodeId}`)).body.hostname, 'rack7-pi01');
});

test('rules and images: CRUD with validation', async () => {
  assert.equal((await s.api('POST', '/api/v1/rules', { name: 'x', apply: { hostname: 'bad name{seq}' } })).status, 400);
  const r = (await s.api('POST', '/api/v1/rules', { name: 'spare', apply: { labels: { pool: 'spare' } } })).body;
  assert.equal((await s.api('POST', '/api/v1/rules', { name: 'spare', apply: {} })).status, 409);
  assert.equal((await s.api('GET', `/api/v1/rules/${r.id}`)).body.name, 'spare');
  assert.equal((await s.api('PUT', `/api/v1/rules/${r.id}`, { name: 'spare', priority: 5, apply: {} })).body.priority, 5);
  assert.equal((await s.api('DELETE', `/api/v1/rules/${r.id}`)).status, 204);
  assert.equal((await s.api('DELETE', `/api/v1/rules/${r.id}`)).status, 404);
  const img = await s.api('PUT', '/api/v1/images/raspios-lite', { arch: 'arm64', disk: { url: 'http://10.0.0.1/raspios.img', sha256: 'A'.repeat(64) } });
  assert.equal(img.status, 200);
  assert.equal(img.body.disk.sha256, 'a'.repeat(64));
  assert.equal((await s.api('PUT', '/api/v1/images/Bad Name', {})).status, 400);
  assert.equal((await s.api('PUT', '/api/v1/images/x', { disk: { url: 'ftp://x/y', sha256: 'a'.repeat(64) } })).status, 400);
  assert.equal((await s.api('GET', '/api/v1/images')).body.images.length, 1);
});

test('install: the agent is told to install, reports progress and success, and the node deploys to its then target', async () => {
  await s.api('PUT', '/api/v1/images/raspios', { disk: { url: 'http://10.0.0.1/raspios.img', sha256: 'b'.repeat(64), sizeBytes: 1000 } });
  const d = (await s.api('POST', '/api/v1/discovery', piInventory('0000ce01', 'dc:a6:32:00:ce:01'), { auth: null })).body;
  const t = await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'install', image: 'raspios', disk: 'usb-SanDisk_Ultra_Fit_4C530001-0:0', then: { kind: 'usb-root' } });
  assert.equal(t.body.state, 'installing');
  const next = (await s.api('GET', '/api/v1/agent/next', undefined, { auth: d.token })).body;
  assert.deepEqual(next, { action: 'install', image: 'raspios', imageUrl: 'http://10.0.0.1/raspios.img', sha256: 'b'.repeat(64), sizeBytes: 1000, compression: 'none', disk: 'usb-SanDisk_Ultra_Fit_4C530001-0:0' });
  assert.equal((await s.api('POST', '/api/v1/agent/report', { kind: 'install-progress', bytes: 500 }, { auth: d.token })).status, 204);
  assert.equal((await s.api('GET', `/api/v1/nodes/${d.nodeId}`)).body.install.bytes, 500);
  const done = await s.api('POST', '/api/v1/agent/report', { kind: 'install-succeeded', partitions: [{ name: 'sda1', partuuid: '5e3da3da-01', fstype: 'vfat' }, { name: 'sda2', partuuid: '5E3DA3DA-02', fstype: 'ext4' }] }, { auth: d.token });
  assert.equal(done.status, 204);
  const node = (await s.api('GET', `/api/v1/nodes/${d.nodeId}`)).body;
  assert.deepEqual([node.state, node.target], ['deployed', { kind: 'usb-root', partuuid: '5e3da3da-02', image: 'raspios' }]);
  assert.deepEqual((await s.api('GET', '/api/v1/agent/next', undefined, { auth: d.token })).body, { action: 'reboot' });
  assert.equal((await s.api('POST', '/api/v1/agent/report', { kind: 'install-succeeded' }, { auth: d.token })).status, 409, 'a second success is an invalid transition');
});

test('install failure is recorded and the node holds in failed', async () => {
  await s.api('PUT', '/api/v1/images/raspios', { disk: { url: 'http://10.0.0.1/raspios.img', sha256: 'b'.repeat(64) } });
  const d = (await s.api('POST', '/api/v1/discovery', piInventory('0000ce02', 'dc:a6:32:00:ce:02'), { auth: null })).body;
  await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'install', image: 'raspios', disk: '4C530001', then: { kind: 'local' } });
  await s.api('POST', '/api/v1/agent/report', { kind: 'install-failed', message: 'sha256 mismatch' }, { auth: d.token });
  const node = (await s.api('GET', `/api/v1/nodes/${d.nodeId}`)).body;
  assert.deepEqual([node.state, node.failure, node.health], ['failed', 'install failed: sha256 mismatch', 'ok']);
  assert.equal((await s.api('GET', '/api/v1/agent/next', undefined, { auth: d.token })).body.action, 'hold');
});

test('an x86 board reports its DMI serial: kept as a hardware fact, not a Pi serial claim', async () => {
  const inv = { arch: 'x86_64', serial: 'VMware-56 4d 1a 2b 3c', uuid: '4C4C4544-0042-3510-8052-B4C04F4D4E32', nics: [{ name: 'ens3', mac: '52:54:00:aa:bb:01', booted: true }] };
  const r = await s.api('POST', '/api/v1/discovery', inv, { auth: null });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const node = (await s.api('GET', `/api/v1/nodes/${r.body.nodeId}`)).body;
  assert.deepEqual([node.identity.serial, node.identity.uuid, node.hardware.systemSerial], [null, '4c4c4544-0042-3510-8052-b4c04f4d4e32', 'VMware-56 4d 1a 2b 3c']);
  const arm = await s.api('POST', '/api/v1/discovery', { arch: 'aarch64', serial: 'abc12', nics: [{ mac: '52:54:00:aa:bb:02' }] }, { auth: null });
  assert.equal(arm.status, 400);
  assert.equal(arm.body.issues[0].path, 'serial');
});
