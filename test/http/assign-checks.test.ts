// Assignments bootherd must refuse before anything changes: a target whose
// plan can serve no kernel, and an install onto a disk the node did not
// report by a stable id.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({}, { noKernel: true });
  assert.equal((await s.api('PUT', '/api/v1/images/raspios', { disk: { url: 'http://10.0.0.1/r.img', sha256: 'a'.repeat(64), sizeBytes: 1000 } })).status, 200);
});
after(async () => s.stop());

const enroll = async (serial: string, mac: string, extra: Record<string, unknown> = {}) => (await s.api('POST', '/api/v1/discovery', piInventory(serial, mac, extra), { auth: null })).body.nodeId as string;

test('a target with no kernel to boot is refused, saying how to fix it, and changes nothing', async () => {
  const id = await enroll('0000a101', 'dc:a6:32:00:a1:01');
  const before = (await s.api('GET', `/api/v1/nodes/${id}`)).body;
  const r = await s.api('PUT', `/api/v1/nodes/${id}/target`, { kind: 'usb-root', partuuid: 'c1f95d14-02' });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /no kernel to boot: no image is named and the firmware dir .* holds no kernel8\.img or vmlinuz; import an OS image \(bootherd images import NAME FILE\.img\.xz\)/);
  const nfs = await s.api('PUT', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/x' });
  assert.equal(nfs.status, 400);
  const after = (await s.api('GET', `/api/v1/nodes/${id}`)).body;
  assert.deepEqual([after.state, after.version, after.target], [before.state, before.version, null]);
  mkdirSync(path.join(s.dataDir, 'firmware'), { recursive: true });
  writeFileSync(path.join(s.dataDir, 'firmware', 'kernel8.img'), 'kernel');
  assert.equal((await s.api('PUT', `/api/v1/nodes/${id}/target`, { kind: 'usb-root', partuuid: 'c1f95d14-02' })).status, 200);
  assert.equal((await s.api('PUT', `/api/v1/nodes/${id}/target`, { kind: 'local' })).status, 200, 'local needs no kernel');
});

test('an install disk must be one the node reported, by a stable id', async () => {
  const id = await enroll('0000a102', 'dc:a6:32:00:a1:02');
  const put = (disk: string) => s.api('PUT', `/api/v1/nodes/${id}/target`, { kind: 'install', image: 'raspios', disk, then: { kind: 'local' } });
  const bare = await put('sda');
  assert.deepEqual([bare.status, bare.body.issues[0].path], [400, 'target.disk']);
  assert.match(bare.body.message, /'sda' is a kernel name that may move between boots; name it by its serial '4C530001'/);
  const unknown = await put('usb-Other_Disk_99999-0:0');
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.message, /not a disk this node reported \(reported: 4C530001\)/);
  assert.equal((await s.api('GET', `/api/v1/nodes/${id}`)).body.state, 'ready', 'nothing changed');
  assert.equal((await put('usb-SanDisk_Ultra_Fit_4C530001-0:0')).status, 200);
  const byPath = await enroll('0000a103', 'dc:a6:32:00:a1:03', { disks: [{ name: 'mmcblk0', sizeBytes: 1 << 30, byPath: 'platform-fe340000.mmc' }] });
  assert.equal((await s.api('PUT', `/api/v1/nodes/${byPath}/target`, { kind: 'install', image: 'raspios', disk: 'platform-fe340000.mmc', then: { kind: 'local' } })).status, 200);
  const none = await enroll('0000a104', 'dc:a6:32:00:a1:04', { disks: [] });
  const r = await s.api('PUT', `/api/v1/nodes/${none}/target`, { kind: 'install', image: 'raspios', disk: '4C530001', then: { kind: 'local' } });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /the node reported no disk with a serial/);
});
