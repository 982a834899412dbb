// The agent's inventory builder run by busybox sh against fake /proc, /sys and /dev.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAgent } from './agent-runner.js';
import { piTree, writePiDevices, writeTree, x86Tree, type Tree } from './fake-root.js';

interface Inventory {
  [k: string]: unknown;
  nics: { name: string; mac: string; booted: boolean }[];
  disks: { name: string; sizeBytes: number; model: string | null; serial: string | null; removable: boolean; transport: string; partitions: { name: string; partuuid: string | null; fstype: string | null; sizeBytes: number }[] }[];
}

describe('agent inventory (busybox sh, fake root)', () => {
  let tmp: string;
  before(async () => (tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-inv-'))));
  after(async () => rm(tmp, { recursive: true, force: true }));

  async function inventory(name: string, tree: Tree, devices?: (root: string) => Promise<void>): Promise<Inventory> {
    const root = path.join(tmp, name);
    await writeTree(root, tree);
    if (devices) await devices(root);
    const run = await runAgent(['inventory'], { BOOTHERD_ROOT: root });
    assert.equal(run.code, 0, run.log.map((l) => l.line).join('\n'));
    return JSON.parse(run.stdout) as Inventory;
  }

  it('reports a Pi 4: serial (16 and 8 digits), revision, model, memory, NICs, disks with partitions', async () => {
    const inv = await inventory('pi', piTree('cpuinfo'), writePiDevices);
    assert.equal(inv['serial'], '10000000a1b2c3d4');
    assert.equal(inv['serialShort'], 'a1b2c3d4');
    assert.equal(inv['revision'], 'c03111');
    assert.equal(inv['model'], 'Raspberry Pi 4 Model B Rev 1.1');
    assert.equal(inv['cpus'], 4);
    assert.equal(inv['memoryBytes'], 3884136 * 1024);
    assert.equal(inv['kernel'], '6.1.0-50-arm64');
    assert.equal(inv['bootMode'], 'network');
    assert.deepEqual(inv.nics, [
      { name: 'eth0', mac: 'dc:a6:32:01:36:c2', booted: true },
      { name: 'wlan0', mac: 'dc:a6:32:01:36:c3', booted: false },
    ]);
    assert.deepEqual(inv.disks.map((d) => d.name), ['nvme0n1', 'sda']);
    const [nvme, sda] = inv.disks as [Inventory['disks'][0], Inventory['disks'][0]];
    assert.deepEqual({ ...sda, partitions: undefined }, {
      name: 'sda', sizeBytes: 62533296 * 512, model: 'Ultra "Fit\\', serial: '4C530001230915117295',
      removable: true, transport: 'usb', partitions: undefined,
    });
    assert.deepEqual(sda.partitions.map((p) => [p.name, p.partuuid, p.fstype, p.sizeBytes]), [
      ['sda1', 'c1f95d14-01', 'vfat', 524288 * 512],
      ['sda2', 'c1f95d14-02', 'ext4', 61999104 * 512],
    ]);
    assert.equal(nvme.transport, 'nvme');
    assert.equal(nvme.serial, 'S64DNX0R123456');
    assert.equal(nvme.model, 'Samsung SSD 980 500GB');
    assert.deepEqual(nvme.partitions.map((p) => [p.name, p.partuuid, p.fstype]), [['nvme0n1p1', '8a3e1c2d-5b6f-4a7e-9c0d-112233445566', 'xfs']]);
  });

  it('takes the serial and model from the device tree when cpuinfo has none', async () => {
    const inv = await inventory('pi-dt', piTree('devicetree'));
    assert.equal(inv['serial'], '10000000e5f6a7b8');
    assert.equal(inv['serialShort'], 'e5f6a7b8');
    assert.equal(inv['model'], 'Raspberry Pi 4 Model B Rev 1.4');
    assert.equal(inv['revision'], null);
  });

  it('reports an x86 box by its SMBIOS serial and uuid', async () => {
    const inv = await inventory('x86', x86Tree());
    assert.equal(inv['serial'], 'SRV-0042');
    assert.equal(inv['serialShort'], null);
    assert.equal(inv['uuid'], 'ab12cd34-0000-4000-8000-0123456789ab');
    assert.equal(inv['cpus'], 2);
    assert.equal(inv['bootMode'], null);
    assert.deepEqual(inv.nics, [{ name: 'ens3', mac: '52:54:00:aa:bb:cc', booted: false }]);
    assert.deepEqual(inv.disks, [{ name: 'vda', sizeBytes: 2048 * 512, model: null, serial: 'VIRTIO-1', removable: false, transport: 'virtio', partitions: [] }]);
  });

  it('escapes a model string with quotes, a backslash and a tab', async () => {
    const tree = { ...x86Tree(), 'sys/class/dmi/id/product_name': 'a "quoted" \\path\\\tTAB\n' };
    const inv = await inventory('weird', tree);
    assert.equal(inv['model'], 'a "quoted" \\path\\\tTAB');
  });
});

describe('agent JSON helpers (busybox sh)', () => {
  const cases = ['plain', 'a "quoted" word', 'back\\slash\\', 'tab\there', 'two\nlines\n\nand more', 'ctl\u0001\u001fchars', 'ünïcödé ✓', '', '\\"'];
  for (const value of cases) {
    it(`json_str round-trips ${JSON.stringify(value)}`, async () => {
      const run = await runAgent(['json-str', value], {});
      assert.equal(JSON.parse(run.stdout), value.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''));
    });
  }

  const answer = '{"nodeId": "n-1",\n "token":"tok.A+/=", "next": {"action" : "hold", "pollSeconds": 15}, "note": "say \\"token\\""}';
  const fields: [string, string][] = [['nodeId', 'n-1'], ['token', 'tok.A+/='], ['action', 'hold'], ['pollSeconds', '15'], ['missing', ''], ['note', '']];
  for (const [key, want] of fields) {
    it(`json_get ${key} from a multi-line answer`, async () => {
      const run = await runAgent(['json-get', key], {}, 10_000, answer);
      assert.equal(run.stdout.trim(), want);
    });
  }
});
