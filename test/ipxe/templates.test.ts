// Golden files for every iPXE template: each state's script as a machine gets
// it over HTTP, with the per-run values (port, token, node id) masked.
// Regenerate after an intended template change: BOOTHERD_UPDATE_GOLDEN=1 npm test
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const goldenDir = path.join(packageRoot, 'test/golden/ipxe');
let s: TestServer;
before(async () => {
  s = await startTestServer({ advertise: 'bootherd.test' });
  const bootDir = path.join(s.dataDir, 'debian-boot');
  mkdirSync(bootDir);
  writeFileSync(path.join(bootDir, 'vmlinuz-6.1'), 'kernel');
  const img = await s.api('PUT', '/api/v1/images/debian-nfs', { bootDir, kernel: 'vmlinuz-6.1', initramfs: 'initrd.img-6.1', cmdline: ['net.ifnames=0'], disk: { url: 'http://10.0.0.1/debian.img', sha256: 'd'.repeat(64) } });
  assert.equal(img.status, 200, JSON.stringify(img.body));
});
after(async () => s.stop());

async function ipxe(mac: string, platform: string, extra = ''): Promise<string> {
  const res = await fetch(`${s.url}/ipxe?mac=${mac}&uuid=&serial=&buildarch=x86_64&platform=${platform}${extra}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return res.text();
}

function golden(name: string, actual: string, nodeId: string | null): void {
  const port = new URL(s.url).port;
  let masked = actual.replaceAll(`:${port}`, ':PORT').replace(/bootherd\.token=[A-Za-z0-9_-]+/g, 'bootherd.token=TOKEN');
  if (nodeId) masked = masked.replaceAll(nodeId, 'NODE-ID');
  const file = path.join(goldenDir, `${name}.ipxe`);
  if (process.env.BOOTHERD_UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI) assert.fail(`golden file ${file} is missing; run BOOTHERD_UPDATE_GOLDEN=1 npm test and review it`);
    writeFileSync(file, masked);
  }
  assert.equal(masked, readFileSync(file, 'utf8'), `${name} differs from its golden file`);
}

async function nodeFor(mac: string) {
  await ipxe(mac, 'pcbios');
  return (await s.api('GET', `/api/v1/nodes/${mac}`)).body as { id: string };
}

test('chain script', async () => {
  const res = await fetch(`${s.url}/boot.ipxe`);
  const text = await res.text();
  assert.ok(text.startsWith('#!ipxe\n'));
  golden('chain', text, null);
});

test('discovery for pcbios and efi (efi adds initrd=)', async () => {
  const n = await nodeFor('52-54-00-00-00-01');
  const bios = await ipxe('52-54-00-00-00-01', 'pcbios');
  const efi = await ipxe('52-54-00-00-00-01', 'efi');
  assert.doesNotMatch(bios, /initrd=/);
  assert.match(efi, / initrd=initramfs\.gz /);
  golden('discovery-pcbios', bios, n.id);
  golden('discovery-efi', efi, n.id);
});

test('install and rescue boot the discovery image in their mode', async () => {
  const a = await nodeFor('52-54-00-00-00-02');
  const inv = { arch: 'x86_64', nics: [{ name: 'ens3', mac: '52:54:00:00:00:02', booted: true }], disks: [{ name: 'vda', sizeBytes: 8 << 30, serial: 'QM0002', transport: 'virtio' }] };
  assert.equal((await s.api('POST', '/api/v1/discovery', inv, { auth: null })).status, 200);
  const put = await s.api('PUT', `/api/v1/nodes/${a.id}/target`, { kind: 'install', image: 'debian-nfs', disk: 'virtio-QM0002', then: { kind: 'local' } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const install = await ipxe('52-54-00-00-00-02', 'pcbios');
  assert.match(install, /bootherd\.mode=install/);
  golden('install', install, a.id);
  const b = await nodeFor('52-54-00-00-00-03');
  await s.api('PUT', `/api/v1/nodes/${b.id}/target`, { kind: 'local' });
  await s.api('POST', `/api/v1/nodes/${b.id}/actions/rescue`);
  const rescue = await ipxe('52-54-00-00-00-03', 'efi');
  assert.match(rescue, /bootherd\.mode=rescue/);
  golden('rescue', rescue, b.id);
});

test('nfs-root and usb-root boot the image kernel with root arguments', async () => {
  const a = await nodeFor('52-54-00-00-00-04');
  await s.api('PUT', `/api/v1/nodes/${a.id}/target`, { kind: 'nfs-root', image: 'debian-nfs', server: '10.0.0.1', path: '/srv/roots/x86-04' });
  const nfs = await ipxe('52-54-00-00-00-04', 'efi');
  assert.match(nfs, /root=\/dev\/nfs nfsroot=10\.0\.0\.1:\/srv\/roots\/x86-04,vers=3 ip=dhcp rw rootwait net\.ifnames=0/);
  golden('nfs-root', nfs, a.id);
  const b = await nodeFor('52-54-00-00-00-05');
  await s.api('PUT', `/api/v1/nodes/${b.id}/target`, { kind: 'usb-root', partuuid: '0a0b0c0d-02' });
  const usb = await ipxe('52-54-00-00-00-05', 'pcbios');
  assert.match(usb, /root=PARTUUID=0a0b0c0d-02 rootfstype=ext4 rootwait/);
  golden('usb-root', usb, b.id);
});

test('local sanboots on pcbios and exits on efi; retired powers off', async () => {
  const a = await nodeFor('52-54-00-00-00-06');
  await s.api('PUT', `/api/v1/nodes/${a.id}/target`, { kind: 'local' });
  const bios = await ipxe('52-54-00-00-00-06', 'pcbios');
  const efi = await ipxe('52-54-00-00-00-06', 'efi');
  assert.match(bios, /^sanboot --no-describe --drive 0x80/m);
  assert.match(efi, /^exit$/m);
  golden('local-pcbios', bios, a.id);
  golden('local-efi', efi, a.id);
  await s.api('POST', `/api/v1/nodes/${a.id}/actions/retire`);
  const retired = await ipxe('52-54-00-00-00-06', 'pcbios');
  assert.match(retired, /^poweroff/m);
  golden('retired', retired, a.id);
});

test('an unknown MAC enrolls a new node, with the arch iPXE reported and an ipxe event', async () => {
  await ipxe('52-54-00-00-00-07', 'efi', '');
  const node = (await s.api('GET', '/api/v1/nodes/52:54:00:00:00:07')).body;
  assert.deepEqual([node.state, node.hardware.arch, node.identity.macs], ['new', 'x86_64', ['52:54:00:00:00:07']]);
  const kinds = ((await s.api('GET', `/api/v1/nodes/${node.id}/events`)).body.events as Array<{ kind: string; data: { via?: string; plan?: string } }>).map((e) => [e.kind, e.data.via ?? e.data.plan]);
  assert.deepEqual(kinds, [['seen', 'ipxe'], ['ipxe', 'discovery']]);
});

test('a UUID the firmware cannot report properly is ignored, not a reason to refuse the boot', async () => {
  const res = await fetch(`${s.url}/ipxe?mac=52-54-00-00-00-0a&uuid=%FF%FF%FFEDU&buildarch=x86_64&platform=pcbios`);
  assert.equal(res.status, 200);
  assert.equal((await s.api('GET', '/api/v1/nodes/52:54:00:00:00:0a')).body.identity.uuid, null);
});

test('a hostile query string is refused and renders nothing', async () => {
  const before = (await s.api('GET', '/api/v1/nodes')).body.nodes.length;
  const hostile = [
    'mac=52-54-00-00-00-08%20init=/bin/sh', 'mac=52-54-00-00-00-08&uuid=4c4c4544-0042-3510-8052-b4c04f4d4e32%0Akernel%20x',
    'mac=52-54-00-00-00-08&platform=efi%0Aexit', 'mac=52-54-00-00-00-08&buildarch=x86_64%20x', 'uuid=4c4c4544-0042-3510-8052-b4c04f4d4e32',
    'mac=52-54-00-00-00-08&serial=a%0Ab', 'mac=52-54-00-00-00-08&extra=1', 'mac=52-54-00-00-00-08&mac=52-54-00-00-00-09',
  ];
  for (const q of hostile) {
    const res = await fetch(`${s.url}/ipxe?${q}`);
    const body = await res.text();
    assert.equal(res.status, 400, q);
    assert.doesNotMatch(body, /#!ipxe/, q);
  }
  assert.equal((await s.api('GET', '/api/v1/nodes')).body.nodes.length, before, 'nothing enrolled');
});

test('a MAC with whitespace around it (space, tab, newline, leading or trailing) is 400 and enrolls nothing', async () => {
  const before = (await s.api('GET', '/api/v1/nodes')).body.nodes.length;
  for (const mac of ['52:54:00:12:34:56%20', '%2052:54:00:12:34:56', '52:54:00:12:34:56%09', '52:54:00:12:34:56%0a', '%0a52:54:00:12:34:56', '52-54-00-12-34-56%0d%0a', '+52:54:00:12:34:56']) {
    const res = await fetch(`${s.url}/ipxe?mac=${mac}&uuid=&serial=&buildarch=x86_64&platform=pcbios`);
    const body = await res.text();
    assert.equal(res.status, 400, mac);
    assert.doesNotMatch(body, /#!ipxe/, mac);
    assert.match(JSON.parse(body).message, /mac: not a MAC address/, mac);
  }
  assert.equal((await s.api('GET', '/api/v1/nodes?mac=52:54:00:12:34:56')).body.nodes.length, 0);
  assert.equal((await s.api('GET', '/api/v1/nodes')).body.nodes.length, before, 'nothing enrolled');
});
