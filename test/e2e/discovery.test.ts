// End to end, per architecture: the discovery image built into bootherd's
// assets dir, served by a real `bootherd serve` over its HTTP boot-files
// endpoint, booted in QEMU (TCG) with the kernel command line bootherd renders
// for the node; the agent enrolls the VM, and assigning a target through the
// API makes the agent reboot it (QEMU runs with -no-reboot, so it ends).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { guestConsole, requireQemu, startVm, type GuestArch, type Vm } from '../helpers/qemu.js';
import { gptPatches, mbrPatches, writeImage } from '../image/disk-images.js';
import { buildIntoDataDir, nodeEvents, sha256, sha256File, startBootherd, tail, waitFor, type Bootherd } from './support.js';

const DISK_BYTES = 96 * 1024 * 1024;
const MEMORY_MIB = 448;

interface DiskPlan {
  partuuids: string[];
  fstypes: string[];
}

interface Case {
  arch: GuestArch;
  mac: string;
  inventoryArch: string;
  /** SMBIOS type 1. No serial: bootherd (src/domain/inventory.ts claimOf) refuses a whole inventory whose `serial` is not a Pi serial, and the agent reports an x86 board's DMI serial there. */
  smbios?: { uuid: string };
  disk(file: string): Promise<DiskPlan>;
}

const cases: Case[] = [
  {
    arch: 'arm64',
    mac: '52:54:00:e2:e0:01',
    inventoryArch: 'aarch64',
    async disk(file) {
      await writeImage(file, DISK_BYTES, mbrPatches(0x0dd5ea11, [{ start: 2048, sectors: 65536, fs: 'vfat', mbrType: 0x0c }, { start: 67584, sectors: 100000, fs: 'ext4' }]));
      return { partuuids: ['0dd5ea11-01', '0dd5ea11-02'], fstypes: ['vfat', 'ext4'] };
    },
  },
  {
    arch: 'amd64',
    mac: '52:54:00:e2:e0:02',
    inventoryArch: 'x86_64',
    smbios: { uuid: '0b5e55ed-e2e0-4000-8000-000000000002' },
    async disk(file) {
      const guids = ['c0ffee00-1111-4222-8333-444455556666', 'deadbeef-7777-4888-9999-aaaabbbbcccc'];
      await writeImage(file, DISK_BYTES, gptPatches(DISK_BYTES / 512, 'e2e0d15c-0000-4000-8000-000000000001', [{ start: 2048, sectors: 65536, guid: guids[0]!, fs: 'ext4' }, { start: 67584, sectors: 100000, guid: guids[1]!, fs: 'xfs' }]));
      return { partuuids: guids, fstypes: ['ext4', 'xfs'] };
    },
  },
];

interface ApiNode {
  id: string;
  state: string;
  target: { kind: string } | null;
  identity: { serial: string | null; macs: string[]; uuid: string | null };
  hardware: { arch: string | null; memoryBytes: number | null; disks: { name: string; sizeBytes: number; partitions: { partuuid: string | null; fstype: string | null }[] }[] };
}

describe('discovery image served by bootherd, booted in QEMU', () => {
  for (const c of cases) {
    it(`${c.arch}: boots from /boot/<mac>/ with bootherd's cmdline, enrolls to ready, reboots when a target is assigned`, { timeout: 15 * 60_000 }, async (t) => {
      requireQemu(c.arch);
      const tmp = await mkdtemp(path.join(os.tmpdir(), `bootherd-e2e-${c.arch}-`));
      const dataDir = path.join(tmp, 'data');
      let bootherd: Bootherd | undefined;
      let vm: Vm | undefined;
      try {
        const built = await buildIntoDataDir(c.arch, dataDir, (line) => t.diagnostic(line));
        bootherd = await startBootherd(dataDir);
        const b = bootherd;
        const prefix = c.mac.replace(/:/g, '-');

        if (c.arch === 'amd64') {
          // What an x86 iPXE says about itself makes the node's arch known, so /boot/<mac>/ serves the amd64 build.
          const script = await b.fetchBytes(`/ipxe?mac=${prefix}&buildarch=x86_64&platform=pcbios${c.smbios ? `&uuid=${c.smbios.uuid}` : ''}`);
          assert.equal(script.status, 200, script.bytes.toString());
          const text = script.bytes.toString();
          assert.ok(text.includes(`kernel http://10.0.2.2:${b.port}/boot/${prefix}/vmlinuz `), text);
          assert.ok(text.includes(`initrd http://10.0.2.2:${b.port}/boot/${prefix}/initramfs.gz`), text);
        }

        // The kernel and initramfs exactly as a booting node gets them from bootherd.
        const files: Record<string, string> = {};
        for (const name of ['vmlinuz', 'initramfs.gz']) {
          const got = await b.fetchBytes(`/boot/${prefix}/${name}`);
          assert.equal(got.status, 200, `GET /boot/${prefix}/${name}: ${got.bytes.toString().slice(0, 300)}`);
          assert.equal(sha256(got.bytes), await sha256File(path.join(built, name)), `${name} served by bootherd differs from the ${c.arch} build`);
          files[name] = path.join(tmp, name);
          await writeFile(files[name], got.bytes);
        }

        // The command line bootherd renders for this node: server URL and boot token come from bootherd.
        const cmdline = await b.api('GET', `/api/v1/nodes/${encodeURIComponent(c.mac)}/boot-files/cmdline.txt`);
        assert.equal(cmdline.status, 200, JSON.stringify(cmdline.body));
        const rendered = String(cmdline.body).trim();
        assert.ok(rendered.includes('console=serial0,115200 console=tty1'), rendered);
        assert.ok(rendered.includes(`bootherd.url=http://10.0.2.2:${b.port}`), rendered);
        assert.match(rendered, /bootherd\.token=\S+/);
        assert.match(rendered, /bootherd\.mode=discovery/);
        const append = rendered.replace('console=serial0,115200 console=tty1', `console=${guestConsole(c.arch)}`);
        t.diagnostic(`append: ${append.replace(/bootherd\.token=\S+/, 'bootherd.token=...')}`);

        const disk = path.join(tmp, 'disk.img');
        const plan = await c.disk(disk);
        const serialLog = path.join(tmp, 'serial.log');
        const started = Date.now();
        const v = await startVm({
          arch: c.arch, serialLog, memoryMiB: MEMORY_MIB, mac: c.mac, disks: [{ file: disk, serial: 'BH-E2E-DISK' }],
          ...(c.smbios ? { smbios: c.smbios } : {}),
          boot: { kind: 'direct', kernel: files['vmlinuz']!, initrd: files['initramfs.gz']!, append },
        });
        vm = v;

        const getNode = async () => (await b.api('GET', `/api/v1/nodes/${encodeURIComponent(c.mac)}`)).body as ApiNode;
        const ready = await waitFor(`the node with MAC ${c.mac} to reach ready`, 5 * 60_000, async () => {
          if (v.process.exitCode !== null || v.process.signalCode !== null) throw new Error(`qemu exited early\n${tail(await v.readSerial())}`);
          const n = await getNode();
          return n.state === 'ready' ? n : undefined;
        }, async () => `node: ${JSON.stringify(await getNode())}\nserial:\n${tail(await v.readSerial())}`);
        t.diagnostic(`${c.arch}: boot to ready took ${((Date.now() - started) / 1000).toFixed(1)} s`);

        assert.deepEqual(ready.identity.macs, [c.mac]);
        assert.equal(ready.hardware.arch, c.inventoryArch);
        const mem = ready.hardware.memoryBytes ?? 0;
        assert.ok(mem > (MEMORY_MIB - 96) * 2 ** 20 && mem <= MEMORY_MIB * 2 ** 20, `memoryBytes ${mem} for a ${MEMORY_MIB} MiB guest`);
        const vda = ready.hardware.disks.find((d) => d.name === 'vda');
        assert.ok(vda, JSON.stringify(ready.hardware.disks));
        assert.equal(vda.sizeBytes, DISK_BYTES);
        assert.deepEqual(vda.partitions.map((p) => p.partuuid), plan.partuuids);
        assert.deepEqual(vda.partitions.map((p) => p.fstype), plan.fstypes);
        if (c.smbios) {
          assert.equal(ready.identity.uuid, c.smbios.uuid);
        }

        const assigned = await b.api('PUT', `/api/v1/nodes/${encodeURIComponent(ready.id)}/target`, { kind: 'local' });
        assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
        assert.equal((assigned.body as ApiNode).state, 'deployed');

        // The agent's next poll answers reboot; with -no-reboot QEMU ends by itself.
        const exit = await v.waitForExit(3 * 60_000);
        const serial = await v.readSerial();
        assert.equal(exit.code, 0, `qemu should exit by itself when the guest reboots\n${tail(serial)}`);
        assert.match(serial, /bootherd-agent: reboot requested by bootherd/);
        t.diagnostic(`${c.arch}: boot to reboot took ${((Date.now() - started) / 1000).toFixed(1)} s`);

        const events = await nodeEvents(b, ready.id);
        assert.ok(events.some((e) => e.kind === 'inventory'), JSON.stringify(events.map((e) => e.kind)));
        // local: bootherd now steps aside for this node.
        assert.equal((await b.fetchBytes(`/boot/${prefix}/vmlinuz`)).status, 404);
      } finally {
        vm?.kill();
        await bootherd?.stop();
        await rm(tmp, { recursive: true, force: true });
      }
    });
  }
});
