// End to end with QEMU's real iPXE ROM: user-net TFTP hands iPXE a tiny script
// that chains to bootherd's /boot.ipxe; bootherd enrolls the machine by MAC and
// answers its discovery script; the discovery kernel comes over HTTP and the
// agent posts the inventory. Assigning a target makes the agent reboot the VM
// (QEMU without -no-reboot), iPXE runs again and gets the node's new script.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { requireIpxeRom, requireQemu, startVm, type Vm } from '../helpers/qemu.js';
import { buildIntoDataDir, nodeEvents, startBootherd, tail, waitFor, type Bootherd, type NodeEvent } from './support.js';

const MAC = '52:54:00:e2:e1:01';
const UUID = '0b5e55ed-e2e1-4000-8000-000000000001';

it('iPXE ROM -> bootherd: discovery boot to ready, then after a target is assigned the rebooted VM gets the local script', { timeout: 15 * 60_000 }, async (t) => {
  requireQemu('amd64');
  requireIpxeRom();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-e2e-ipxe-'));
  const dataDir = path.join(tmp, 'data');
  let bootherd: Bootherd | undefined;
  let vm: Vm | undefined;
  try {
    await buildIntoDataDir('amd64', dataDir, (line) => t.diagnostic(line));
    bootherd = await startBootherd(dataDir);
    const b = bootherd;

    // What a DHCP server's boot file would be: a stub that hands over to bootherd's chain script.
    const tftpDir = path.join(tmp, 'tftp');
    await mkdir(tftpDir);
    await writeFile(path.join(tftpDir, 'boot.ipxe'), `#!ipxe\nchain http://10.0.2.2:${b.port}/boot.ipxe\n`);

    const serialLog = path.join(tmp, 'serial.log');
    const started = Date.now();
    const v = await startVm({
      arch: 'amd64', serialLog, memoryMiB: 512, mac: MAC, noReboot: false,
      // SMBIOS UUID only: an x86 DMI serial in the inventory makes bootherd refuse it (see discovery.test.ts).
      smbios: { uuid: UUID },
      boot: { kind: 'ipxe', tftpDir, bootfile: 'boot.ipxe' },
    });
    vm = v;

    const events = () => nodeEvents(b, MAC).catch(() => [] as NodeEvent[]);
    const ipxeEvents = async () => (await events()).filter((e) => e.kind === 'ipxe');
    const alive = async () => {
      if (v.process.exitCode !== null || v.process.signalCode !== null) throw new Error(`qemu exited (${v.process.exitCode ?? v.process.signalCode})\n${tail(await v.readSerial())}`);
    };
    const describeState = async () => `node: ${JSON.stringify((await b.api('GET', `/api/v1/nodes/${encodeURIComponent(MAC)}`)).body)}\nevents: ${JSON.stringify(await events())}\nserial:\n${tail(await v.readSerial())}\nbootherd:\n${tail(b.serve.output())}`;

    // First boot: iPXE asks /ipxe, bootherd enrolls the MAC and answers the discovery script.
    const first = await waitFor('the first /ipxe request from the VM', 3 * 60_000, async () => {
      await alive();
      return (await ipxeEvents())[0];
    }, describeState);
    t.diagnostic(`first /ipxe after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(first.data.plan, 'discovery');
    assert.equal(first.data.state, 'new');
    assert.equal(first.data.platform, 'pcbios');
    // QEMU's pcbios iPXE ROM is a 32-bit build: it says i386 even on x86_64.
    assert.ok(first.data.buildarch === 'i386' || first.data.buildarch === 'x86_64', `buildarch ${String(first.data.buildarch)}`);

    type ApiNode = { id: string; state: string; identity: { macs: string[]; uuid: string | null; serial: string | null }; hardware: { arch: string | null } };
    const ready = await waitFor('the node to reach ready (discovery kernel fetched over HTTP, inventory posted)', 5 * 60_000, async () => {
      await alive();
      const n = (await b.api('GET', `/api/v1/nodes/${encodeURIComponent(MAC)}`)).body as ApiNode;
      return n?.state === 'ready' ? n : undefined;
    }, describeState);
    t.diagnostic(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.deepEqual(ready.identity.macs, [MAC]);
    assert.equal(ready.identity.uuid, UUID);
    assert.equal(ready.hardware.arch, 'x86_64');
    const serial = await v.readSerial();
    // The kernel really got bootherd's command line through iPXE.
    assert.match(serial, new RegExp(`bootherd\\.url=http://10\\.0\\.2\\.2:${b.port}`));
    assert.match(serial, new RegExp(`bootherd\\.node=${ready.id}`));

    const assigned = await b.api('PUT', `/api/v1/nodes/${encodeURIComponent(ready.id)}/target`, { kind: 'local' });
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    assert.equal((assigned.body as ApiNode).state, 'deployed');

    // The agent reboots the VM; iPXE runs again and gets the node's new script.
    const local = await waitFor('an ipxe event with plan local after the reboot', 5 * 60_000, async () => {
      await alive();
      return (await ipxeEvents()).find((e) => e.data.plan === 'local');
    }, describeState);
    t.diagnostic(`second /ipxe (local) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.match(await v.readSerial(), /bootherd-agent: reboot requested by bootherd/);
    const all = await events();
    const kinds = all.map((e) => (e.kind === 'ipxe' ? `ipxe:${String(e.data.plan)}` : e.kind));
    const firstIpxe = all.findIndex((e) => e.kind === 'ipxe' && e.data.plan === 'discovery');
    const inventory = all.findIndex((e) => e.kind === 'inventory');
    const localIdx = all.findIndex((e) => e.id === local.id);
    assert.ok(firstIpxe >= 0 && firstIpxe < inventory && inventory < localIdx, `expected ipxe:discovery, then inventory, then ipxe:local; got ${kinds.join(' ')}`);
    assert.ok(all.slice(localIdx + 1).every((e) => e.kind !== 'ipxe' || e.data.plan === 'local'), kinds.join(' '));
    assert.equal(local.data.state, 'deployed');
    assert.equal(local.data.platform, 'pcbios');

    // The script that second request got: boot the local disk, no kernel.
    const script = await b.fetchBytes(`/ipxe?mac=${MAC.replace(/:/g, '-')}&buildarch=x86_64&platform=pcbios`);
    assert.equal(script.status, 200);
    assert.match(script.bytes.toString(), /sanboot --no-describe --drive 0x80/);
    assert.doesNotMatch(script.bytes.toString(), /^kernel /m);
  } finally {
    vm?.kill();
    await bootherd?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
});
