// Golden files for every target under every state: what a node is told it
// boots next (nextBoot), its iPXE script (EFI) and its Raspberry Pi
// config.txt and cmdline.txt, as bootherd serves them. Per-run values (port,
// tokens, node id, temp paths) are masked.
// Regenerate after an intended change: BOOTHERD_UPDATE_GOLDEN=1 npm test
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writeGolden } from '../roots/golden.js';

const goldenDir = path.join(packageRoot, 'test/golden/boot');
let s: TestServer;
let tmp: string;
let seq = 0;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-golden-'));
  writeFileSync(path.join(tmp, 'config.json'), JSON.stringify({ roots: { dir: path.join(tmp, 'roots'), provider: 'copy' } }));
  s = await startTestServer({ advertise: 'bootherd.test', config: path.join(tmp, 'config.json') });
  mkdirSync(path.join(tmp, 'boot'));
  writeFileSync(path.join(tmp, 'boot', 'vmlinuz-6.1'), 'kernel');
  await writeGolden(path.join(tmp, 'golden'));
  const put = async (name: string, body: unknown) => assert.equal((await s.api('PUT', `/api/v1/images/${name}`, body)).status, 200);
  await put('debian', { bootDir: path.join(tmp, 'boot'), kernel: 'vmlinuz-6.1', initramfs: 'initrd.img-6.1', cmdline: ['net.ifnames=0'], disk: { url: 'http://10.0.0.1/debian.img.xz', sha256: 'd'.repeat(64), sizeBytes: 4 * 2 ** 30, compression: 'xz' } });
  await put('golden', { arch: 'arm64', rootDir: path.join(tmp, 'golden') });
});
after(async () => {
  await s.stop();
  await rm(tmp, { recursive: true, force: true });
});

async function newNode(hostname: string): Promise<{ id: string; mac: string }> {
  const mac = `52:54:00:90:00:${(++seq).toString(16).padStart(2, '0')}`;
  const inv = { arch: 'aarch64', model: 'Raspberry Pi 4 Model B Rev 1.1', revision: 'c03111', nics: [{ name: 'eth0', mac, booted: true }], disks: [{ name: 'sda', sizeBytes: 32 * 2 ** 30, serial: `SER${seq}`, transport: 'usb', partitions: [{ name: 'sda2', partuuid: '0a0b0c0d-02', fstype: 'ext4' }] }] };
  const d = (await s.api('POST', '/api/v1/discovery', inv, { auth: null })).body;
  await s.api('PATCH', `/api/v1/nodes/${d.nodeId}`, { hostname });
  return { id: d.nodeId, mac };
}

async function snapshot(n: { id: string; mac: string }): Promise<string> {
  const node = (await s.api('GET', `/api/v1/nodes/${n.id}`)).body;
  const ipxe = await (await fetch(`${s.url}/ipxe?mac=${n.mac.replace(/:/g, '-')}&buildarch=arm64&platform=efi`)).text();
  const pi = async (f: string) => {
    const r = await s.api('GET', `/api/v1/nodes/${n.id}/boot-files/${f}`);
    return r.status === 200 ? String(r.body) : `(not served: ${r.status})\n`;
  };
  const text = `== state\n${node.state} ${node.target ? JSON.stringify(node.target) : '(no target)'}\n== nextBoot\n${node.nextBoot}\n== ipxe (efi)\n${ipxe}== rpi config.txt\n${await pi('config.txt')}== rpi cmdline.txt\n${await pi('cmdline.txt')}`;
  return text.replaceAll(`:${new URL(s.url).port}`, ':PORT').replaceAll(n.id, 'NODE-ID').replaceAll(tmp, 'TMP').replace(/bootherd\.token=[A-Za-z0-9_-]+/g, 'bootherd.token=TOKEN');
}

function golden(name: string, actual: string): void {
  const file = path.join(goldenDir, `${name}.txt`);
  if (process.env.BOOTHERD_UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI) assert.fail(`golden file ${file} is missing; run BOOTHERD_UPDATE_GOLDEN=1 npm test and review it`);
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its golden file`);
}

const act = async (id: string, action: string) => assert.equal((await s.api('POST', `/api/v1/nodes/${id}/actions/${action}`)).status, 202);
const target = async (id: string, t: unknown) => {
  const r = await s.api('PUT', `/api/v1/nodes/${id}/target`, t);
  assert.equal(r.status, 200, JSON.stringify(r.body));
};

const targets: Record<string, unknown> = {
  'nfs-root-image-initramfs': { kind: 'nfs-root', image: 'debian', server: '10.0.0.1', path: '/srv/roots/static' },
  'nfs-root-made': { kind: 'nfs-root', image: 'golden', options: 'vers=4.1' },
  'usb-root': { kind: 'usb-root', image: 'debian' },
  local: { kind: 'local' },
  install: { kind: 'install', image: 'debian', disk: 'SER', then: { kind: 'usb-root' } },
};

test('states without a target: new and ready', async () => {
  const r = await fetch(`${s.url}/ipxe?mac=52-54-00-90-ff-01&buildarch=arm64&platform=efi`);
  assert.equal(r.status, 200);
  golden('new', await snapshot({ id: (await s.api('GET', '/api/v1/nodes/52:54:00:90:ff:01')).body.id, mac: '52:54:00:90:ff:01' }));
  golden('ready', await snapshot(await newNode('g-ready')));
});

for (const [name, t] of Object.entries(targets)) {
  test(`target ${name}: assigned, rescue${name === 'install' ? '' : ', retired'}`, async () => {
    const n = await newNode(`g-${name}`);
    const body = name === 'install' ? { ...(t as object), disk: `SER${seq}` } : t;
    await target(n.id, body);
    golden(`${name}-${name === 'install' ? 'installing' : 'deployed'}`, await snapshot(n));
    await act(n.id, 'rescue');
    golden(`${name}-rescue`, await snapshot(n));
    await act(n.id, 'end-rescue');
    if (name === 'install') return; // an installing node is reset, not retired
    await act(n.id, 'retire');
    golden(`${name}-retired`, await snapshot(n));
  });
}

test('target install: failed', async () => {
  const n = await newNode('g-install-failed');
  await target(n.id, { kind: 'install', image: 'debian', disk: `SER${seq}`, then: { kind: 'usb-root' } });
  // Fail it as the installer would: its agent token comes from a discovery report with its boot token.
  const boot = String((await s.api('GET', `/api/v1/nodes/${n.id}/boot-files/cmdline.txt`)).body).match(/bootherd\.token=(\S+)/)![1]!;
  const inv = { arch: 'aarch64', nics: [{ name: 'eth0', mac: n.mac, booted: true }] };
  const agent = (await s.api('POST', '/api/v1/discovery', inv, { auth: boot })).body.token as string;
  assert.equal((await s.api('POST', '/api/v1/agent/report', { kind: 'install-failed', message: 'read-back mismatch' }, { auth: agent })).status, 204);
  golden('install-failed', await snapshot(n));
});
