// The install action end to end under QEMU (arm64, TCG): the agent streams a
// disk image over HTTP onto a virtio disk, verifies it, re-reads the partition
// table and reports the new PARTUUIDs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { guestConsole, requireQemu, startVm } from '../helpers/qemu.js';
import { mbrPatches, writeImage } from './disk-images.js';
import { ok, startFakeApi } from './fake-api.js';
import { buildTestImage } from './qemu-setup.js';

describe('discovery image install in QEMU', () => {
  let tmp: string;
  before(async () => (tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-qemu-install-'))));
  after(async () => rm(tmp, { recursive: true, force: true }));

  it('arm64: writes the image to the disk named by its serial and reports its partitions', { timeout: 15 * 60_000 }, async (t) => {
    requireQemu('arm64');
    const built = await buildTestImage('arm64', (line) => t.diagnostic(line));
    await writeImage(path.join(tmp, 'image.raw'), 8 << 20, mbrPatches(0x0ddba11, [{ start: 2048, sectors: 4096, fs: 'vfat', mbrType: 0x0c }, { start: 6144, sectors: 8192, fs: 'ext4' }]));
    const image = await readFile(path.join(tmp, 'image.raw'));
    const sha256 = createHash('sha256').update(image).digest('hex');
    const target = path.join(tmp, 'target.img');
    await writeImage(target, 32 << 20, []);
    const api = await startFakeApi({
      discovery: [ok({ nodeId: 'node-9', token: 'agent-token-9', next: { action: 'hold' } })],
      next: [(base) => ok({ action: 'install', imageUrl: `${base.replace('127.0.0.1', '10.0.2.2')}/images/pi.img`, sha256, disk: 'virtio-TARGET-9' }), ok({ action: 'poweroff' })],
      files: { '/images/pi.img': image },
    });
    try {
      const vm = await startVm({
        arch: 'arm64', serialLog: path.join(tmp, 'serial.log'), mac: '52:54:00:12:34:57', disks: [{ file: target, serial: 'TARGET-9' }],
        boot: { kind: 'direct', kernel: path.join(built.outDir, 'vmlinuz'), initrd: path.join(built.outDir, 'initramfs.gz'), append: `console=${guestConsole('arm64')} bootherd.url=http://10.0.2.2:${api.port} bootherd.mode=install` },
      });
      const started = Date.now();
      const exit = await vm.waitForExit(5 * 60_000);
      t.diagnostic(`arm64 boot, install and poweroff took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.equal(exit.code, 0, (await vm.readSerial()).slice(-3000));
      const written = await readFile(target);
      assert.deepEqual(written.subarray(0, image.length), image);
      const reports = api.requests.filter((r) => r.path === '/api/v1/agent/report').map((r) => JSON.parse(r.body) as Record<string, unknown>);
      assert.deepEqual(reports.at(-1), {
        kind: 'install-succeeded', disk: 'vda', bytes: image.length, sha256,
        partitions: [
          { name: 'vda1', number: 1, sizeBytes: 4096 * 512, partuuid: '00ddba11-01', fstype: 'vfat' },
          { name: 'vda2', number: 2, sizeBytes: 8192 * 512, partuuid: '00ddba11-02', fstype: 'ext4' },
        ],
      });
      assert.deepEqual(reports.at(-2), { kind: 'install-progress', bytes: image.length });
    } finally {
      await api.close();
    }
  });
});
