// The boot decisions of core/dhcp-route.ts over a real SQLite store: which
// client gets which answer, who gets silence, how a Pi seen first over TFTP
// and first over iPXE is linked by its option 97, and how an iPXE ROM is
// reloaded once per DHCP session.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDhcpRoute, type DhcpRouteRequest, type IpxeRomPolicy } from '../../src/core/dhcp-route.js';
import { findOrEnroll } from '../../src/core/enroll.js';
import { bump, mutateNode } from '../../src/core/deps.js';
import { testSettings } from '../helpers/core-deps.js';
import { silentLogger } from '../../src/log.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { piMachineId } from './client.js';

const req = (o: Partial<DhcpRouteRequest> & { mac: string }): DhcpRouteRequest => ({
  port: 'dhcp', xid: 1, client: { address: '0.0.0.0' }, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', userClasses: [], arches: [0], machineId: null, bootItem: null, ...o,
});

describe('dhcp route', () => {
  let dir: string;
  let store: Store;
  let deps: Parameters<typeof createDhcpRoute>[0];
  const route = (ipxeRoms: IpxeRomPolicy = 'chain') => createDhcpRoute({ ...deps, ipxeRoms }).handler;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-dhcp-route-'));
    store = createSqliteStore(path.join(dir, 'db'));
    deps = { store, now: () => new Date(), logger: silentLogger, settings: testSettings(), serverAddress: () => '10.0.0.1', chainUrl: () => 'http://10.0.0.1:8080/boot.ipxe' };
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers each kind of client with its boot file', async () => {
    const h = route();
    const cases: Array<[string, DhcpRouteRequest, string, string | undefined]> = [
      ['BIOS PXE ROM', req({ mac: '52:54:00:00:00:01' }), 'bios', 'undionly.kpxe'],
      ['UEFI x64 (7)', req({ mac: '52:54:00:00:00:02', arches: [7] }), 'uefi-x64', 'ipxe.efi'],
      ['UEFI x64 (9)', req({ mac: '52:54:00:00:00:03', arches: [9] }), 'uefi-x64', 'ipxe.efi'],
      ['UEFI arm64', req({ mac: '52:54:00:00:00:04', arches: [11] }), 'uefi-arm64', 'snp.efi'],
      ['arch from option 60 only', req({ mac: '52:54:00:00:00:05', arches: [], vendorClass: 'PXEClient:Arch:00007:UNDI:003016' }), 'uefi-x64', 'ipxe.efi'],
      ['iPXE', req({ mac: '52:54:00:00:00:06', userClasses: ['iPXE'] }), 'ipxe', 'http://10.0.0.1:8080/boot.ipxe'],
      ['Pi 3 by MAC prefix', req({ mac: 'b8:27:eb:00:00:07' }), 'pi', undefined],
    ];
    for (const [what, r, kind, file] of cases) {
      const a = await h(r);
      assert.equal(a.kind, kind, what);
      assert.equal(a.reply?.bootFile, file, what);
      assert.equal(a.reply?.nextServer, '10.0.0.1', what);
    }
    assert.deepEqual((await h(req({ mac: 'b8:27:eb:00:00:07' }))).reply?.tftpServer, '10.0.0.1');
    const ia32 = await h(req({ mac: '52:54:00:00:00:08', arches: [6] }));
    assert.deepEqual([ia32.kind, ia32.reply, ia32.reason], ['unsupported', null, 'unsupported-arch']);
    assert.deepEqual((await h(req({ mac: '52:54:00:00:00:09', arches: [7], port: 'pxe' }))).reply?.vendor, { bootItem: { type: 0x8000, layer: 0 } });
    assert.equal((await store.listNodes()).length, 0, 'only option 97 enrolls');
  });

  it('links a Pi first seen by serial over TFTP and by MAC over iPXE into one record', async () => {
    const [serial, mac] = ['0000dd01', 'dc:a6:32:00:dd:01'];
    const bySerial = (await findOrEnroll(deps, { serial }, { ip: null, via: 'tftp' })).node;
    const byMac = (await findOrEnroll(deps, { mac }, { ip: null, via: 'ipxe' })).node;
    const a = await route()(req({ mac, machineId: piMachineId('RPi5', 'c04170', mac, serial) }));
    assert.equal(a.kind, 'pi');
    assert.ok(a.reply);
    const node = await store.findNode({ serial });
    assert.equal(node?.id, bySerial.id, 'the older record survives');
    assert.deepEqual(node?.identity.macs, [mac]);
    assert.equal(node?.hardware.model, 'Raspberry Pi 5 Model B');
    assert.equal(await store.getNode(byMac.id), null);
    const kinds = (await store.listEvents(bySerial.id)).map((e) => e.kind);
    assert.ok(kinds.includes('merged') && kinds.includes('dhcp'), kinds.join(' '));
  });

  it('gives retired nodes and deployed-local nodes silence, and a rescue an answer', async () => {
    const h = route();
    const set = async (mac: string, patch: Parameters<typeof bump>[1]) => {
      const { node } = await findOrEnroll(deps, { mac }, { ip: null, via: 'tftp' });
      await mutateNode(deps, node.id, (n, at) => ({ node: bump(n, patch, at), events: [] }));
    };
    await set('52:54:00:00:01:01', { state: 'retired' });
    await set('52:54:00:00:01:02', { state: 'deployed', target: { kind: 'local' } });
    await set('52:54:00:00:01:03', { state: 'rescue', target: { kind: 'local' }, rescueFrom: 'deployed' });
    assert.equal((await h(req({ mac: '52:54:00:00:01:01' }))).reason, 'step-aside');
    assert.equal((await h(req({ mac: '52:54:00:00:01:02', userClasses: ['iPXE'] }))).reason, 'step-aside');
    assert.equal((await h(req({ mac: '52:54:00:00:01:03' }))).reply?.bootFile, 'undionly.kpxe');
  });

  it('under ipxeRoms reload, an iPXE ROM\'s session gets the binary and the next session the chain URL', async () => {
    const h = route('reload');
    const mac = '52:54:00:00:02:01';
    const ipxe = (xid: number, port: 'dhcp' | 'pxe' = 'dhcp') => h(req({ mac, xid, port, userClasses: ['iPXE'] })).then((a) => a.reply?.bootFile);
    assert.equal(await ipxe(100), 'undionly.kpxe', 'the ROM');
    assert.equal(await ipxe(100), 'undionly.kpxe', 'its retransmission');
    assert.equal(await ipxe(100, 'pxe'), 'undionly.kpxe', 'its 4011 request');
    assert.equal(await ipxe(200), 'http://10.0.0.1:8080/boot.ipxe', 'the iPXE it loaded');
    assert.equal(await ipxe(200), 'http://10.0.0.1:8080/boot.ipxe', 'its retransmission');
    assert.equal(await ipxe(300), 'undionly.kpxe', 'the next boot');
    assert.equal(await route('chain')(req({ mac, xid: 400, userClasses: ['iPXE'] })).then((a) => a.reply?.bootFile), 'http://10.0.0.1:8080/boot.ipxe');
  });
});
