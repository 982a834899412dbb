// End to end under QEMU (TCG): build the real discovery image from Debian
// packages, boot it with a partitioned virtio disk, and check what it reports
// to a fake bootherd API until it powers itself off.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { guestConsole, requireQemu, startVm, type GuestArch } from '../helpers/qemu.js';
import { gptPatches, mbrPatches, writeImage } from './disk-images.js';
import { happyPath, startFakeApi } from './fake-api.js';
import { buildTestImage } from './qemu-setup.js';

const MAC = '52:54:00:12:34:56';
const DISK_BYTES = 64 * 1024 * 1024;

interface DiskPlan {
  partuuids: string[];
  fstypes: string[];
}

async function writeTestDisk(arch: GuestArch, file: string): Promise<DiskPlan> {
  if (arch === 'arm64') {
    await writeImage(file, DISK_BYTES, mbrPatches(0x5eed1234, [{ start: 2048, sectors: 32768, fs: 'vfat', mbrType: 0x0c }, { start: 34816, sectors: 65536, fs: 'ext4' }]));
    return { partuuids: ['5eed1234-01', '5eed1234-02'], fstypes: ['vfat', 'ext4'] };
  }
  const guids = ['6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', 'f00dfeed-0000-4000-8000-00000000beef'];
  await writeImage(file, DISK_BYTES, gptPatches(DISK_BYTES / 512, 'b00b1e55-1234-4567-89ab-cdef01234567', [{ start: 2048, sectors: 32768, guid: guids[0]!, fs: 'ext4' }, { start: 34816, sectors: 65536, guid: guids[1]!, fs: 'swap' }]));
  return { partuuids: guids, fstypes: ['ext4', 'swap'] };
}

interface Inventory {
  arch: string;
  memoryBytes: number;
  serial: string | null;
  uuid: string | null;
  nics: { name: string; mac: string; booted: boolean }[];
  disks: { name: string; sizeBytes: number; serial: string | null; transport: string; partitions: { partuuid: string; fstype: string; sizeBytes: number }[] }[];
}

describe('discovery image in QEMU', () => {
  let tmp: string;
  before(async () => (tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-qemu-'))));
  after(async () => rm(tmp, { recursive: true, force: true }));

  for (const arch of ['arm64', 'amd64'] as const) {
    it(`${arch}: boots, reports its MAC, memory and partitioned disk, then powers off when told`, { timeout: 15 * 60_000 }, async (t) => {
      requireQemu(arch);
      const built = await buildTestImage(arch, (line) => t.diagnostic(line));
      const disk = path.join(tmp, `${arch}-disk.img`);
      const plan = await writeTestDisk(arch, disk);
      const api = await startFakeApi(happyPath);
      const serialLog = path.join(tmp, `${arch}-serial.log`);
      t.diagnostic(`serial log: ${serialLog}`);
      try {
        const started = Date.now();
        const vm = await startVm({
          arch, serialLog, memoryMiB: 512, mac: MAC, disks: [{ file: disk, serial: 'BH-DISK-1' }],
          ...(arch === 'amd64' ? { smbios: { serial: 'BH-X86-0001', uuid: '0b5e55ed-0000-4000-8000-000000000001' } } : {}),
          boot: {
            kind: 'direct', kernel: path.join(built.outDir, 'vmlinuz'), initrd: path.join(built.outDir, 'initramfs.gz'),
            append: `console=${guestConsole(arch)} bootherd.url=http://10.0.2.2:${api.port} bootherd.mode=discovery`,
          },
        });
        const exit = await vm.waitForExit(5 * 60_000);
        t.diagnostic(`${arch} boot to poweroff took ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const serial = await vm.readSerial();
        assert.equal(exit.code, 0, `qemu should exit by itself after the guest powers off\n${serial.slice(-3000)}`);
        assert.match(serial, /bootherd-agent: poweroff requested by bootherd/);

        const trail = api.requests.map((r) => `${r.method} ${r.path}`);
        assert.deepEqual(trail, ['POST /api/v1/discovery', 'GET /api/v1/agent/next', 'POST /api/v1/agent/report', 'GET /api/v1/agent/next']);
        assert.ok(api.requests.slice(1).every((r) => r.authorization === 'Bearer agent-token-1'));
        assertInventory(JSON.parse(api.requests[0]!.body) as Inventory, arch, plan);
      } finally {
        await api.close();
      }
    });
  }
});

function assertInventory(inv: Inventory, arch: GuestArch, plan: DiskPlan): void {
  assert.equal(inv.arch, arch === 'arm64' ? 'aarch64' : 'x86_64');
  assert.deepEqual(inv.nics, [{ name: 'eth0', mac: MAC, booted: true }]);
  assert.ok(inv.memoryBytes > 400 * 2 ** 20 && inv.memoryBytes <= 512 * 2 ** 20, `memoryBytes ${inv.memoryBytes}`);
  const vda = inv.disks.find((d) => d.name === 'vda');
  assert.ok(vda, JSON.stringify(inv.disks));
  assert.equal(vda.sizeBytes, DISK_BYTES);
  assert.equal(vda.serial, 'BH-DISK-1');
  assert.equal(vda.transport, 'virtio');
  assert.deepEqual(vda.partitions.map((p) => p.partuuid), plan.partuuids);
  assert.deepEqual(vda.partitions.map((p) => p.fstype), plan.fstypes);
  assert.deepEqual(vda.partitions.map((p) => p.sizeBytes), [32768 * 512, 65536 * 512]);
  if (arch === 'amd64') {
    assert.equal(inv.serial, 'BH-X86-0001');
    assert.equal(inv.uuid, '0b5e55ed-0000-4000-8000-000000000001');
  }
}
