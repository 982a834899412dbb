// The Raspberry Pi route end to end: a real `bootherd serve` with TFTP on
// 127.0.0.1:0, a Pi-like client replaying a real Pi 4 request sequence.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { runCli, startServe, type ServeProcess } from '../helpers/process.js';
import { tftpGet } from '../helpers/tftp-client.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fixture = readFileSync(path.join(packageRoot, '../shared/fixtures/pi4-rrq-sequence.txt'), 'utf8')
  .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  .map((l) => l.replace(/^[0-9a-f]{8}\//, ''));

let dir: string;
let srv: ServeProcess;
let token: string;
let tftpPort: number;
const files: Record<string, Buffer> = {};

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-pi-'));
  const fw = path.join(dir, 'firmware');
  const disc = path.join(dir, 'data/assets/discovery/arm64');
  mkdirSync(path.join(fw, 'overlays'), { recursive: true });
  mkdirSync(disc, { recursive: true });
  const put = (base: string, name: string, size: number) => {
    files[name] = randomBytes(size);
    writeFileSync(path.join(base, name), files[name]!);
  };
  put(fw, 'start4.elf', 2_200_000);
  put(fw, 'fixup4.dat', 5_400);
  put(fw, 'bcm2711-rpi-4-b.dtb', 52_000);
  put(fw, 'overlays/overlay_map.dtb', 2_000);
  put(fw, 'kernel8.img', 700_000);
  put(disc, 'vmlinuz', 900_000);
  put(disc, 'initramfs.gz', 1_100_000);
  srv = await startServe(['--data-dir', path.join(dir, 'data'), '--http', '127.0.0.1:0', '--tftp', '127.0.0.1:0', '--firmware-dir', fw, '--log-level', 'warn']);
  token = readFileSync(path.join(dir, 'data/admin-token'), 'utf8').trim();
  tftpPort = srv.tftpPorts[0]!;
});
after(async () => {
  srv.proc.kill('SIGTERM');
  await srv.exited;
  rmSync(dir, { recursive: true, force: true });
});

const api = async (method: string, p: string, body?: unknown) => {
  const res = await fetch(srv.url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};
const pi4 = { tsize: '0', blksize: '1024' };
const get = (p: string, from = '127.0.0.1') => tftpGet({ host: '127.0.0.1', port: tftpPort, path: p, options: pi4, localAddress: from });
const text = async (p: string, from?: string) => {
  const r = await get(p, from);
  assert.equal(r.error, null, `${p}: ${JSON.stringify(r.error)}`);
  return r.data.toString();
};
const until = async <T>(what: string, f: () => Promise<T | null | undefined | false>): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

test('a Pi 4 boot under its serial prefix enrolls the board and is served the discovery plan', async () => {
  const serial = '04f2ea0a';
  const probe = await tftpGet({ host: '127.0.0.1', port: tftpPort, path: `${serial}/start4.elf`, options: pi4, earlyTerminate: 'oack' });
  assert.equal(probe.oack?.tsize, String(files['start4.elf']!.length), 'tsize answers the real size');
  const got: Record<string, Buffer | null> = {};
  for (const f of fixture) {
    const r = await get(`${serial}/${f}`);
    got[f] = r.error ? null : r.data;
    if (r.error) assert.equal(r.error.code, 1, `${f}: only file-not-found is expected`);
  }
  for (const f of ['start4.elf', 'fixup4.dat', 'bcm2711-rpi-4-b.dtb', 'overlays/overlay_map.dtb']) assert.equal(sha(got[f]!), sha(files[f]!), f);
  for (const f of ['recovery.elf', 'dt-blob.bin', 'kernel7l.img']) assert.equal(got[f], null, `${f} is not found`);
  const node = await until('the enrolled node', async () => (await api('GET', `/api/v1/nodes/${serial}`)).body);
  assert.equal(node.state, 'new');
  const config = got['config.txt']!.toString();
  assert.match(config, /^kernel=vmlinuz$/m);
  assert.match(config, /^initramfs initramfs\.gz followkernel$/m);
  const cmdline = got['cmdline.txt']!.toString();
  assert.equal(cmdline.split('\n').length, 2, 'one line');
  assert.ok(cmdline.includes(`bootherd.url=${srv.url}`), cmdline);
  assert.match(cmdline, new RegExp(`bootherd\\.token=\\S{16,} bootherd\\.mode=discovery bootherd\\.node=${node.id}\\n$`));
  assert.equal(sha((await get(`${serial}/vmlinuz`)).data), sha(files.vmlinuz!));
  assert.equal(sha((await get(`${serial}/initramfs.gz`)).data), sha(files['initramfs.gz']!));
  const seen = (await api('GET', `/api/v1/nodes/${node.id}/events`)).body.events.find((e: { kind: string }) => e.kind === 'seen');
  assert.deepEqual([seen.data.serial, seen.data.ip, seen.data.via], [serial, '127.0.0.1', 'tftp']);
  const boot = await until('telemetry', async () => {
    const b = (await api('GET', `/api/v1/nodes/${node.id}`)).body.lastBoot;
    return b?.stage === 'initramfs' ? b : null;
  });
  assert.equal(boot.probes, 1, 'the early-terminate probe is counted as a probe');
  assert.ok(boot.notFound >= 10, `not-found requests counted: ${boot.notFound}`);
  assert.ok(boot.bytes >= files['start4.elf']!.length + files.vmlinuz!.length);
});

test('after PUT target the next boot gets nfs-root, then usb-root files; TFTP, the preview endpoint and `bootherd render` agree', async () => {
  const serial = '0badc0de';
  await text(`${serial}/config.txt`);
  const nfs = await api('PUT', `/api/v1/nodes/${serial}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/rack1-pi07' });
  assert.equal(nfs.status, 200);
  const cmdline = await text(`${serial}/cmdline.txt`);
  assert.match(cmdline, /root=\/dev\/nfs nfsroot=10\.0\.0\.1:\/srv\/roots\/rack1-pi07,vers=3 ip=dhcp rw rootwait/);
  assert.doesNotMatch(cmdline, /bootherd\./);
  assert.match(await text(`${serial}/config.txt`), /^kernel=kernel8\.img$/m);
  assert.equal(sha((await get(`${serial}/kernel8.img`)).data), sha(files['kernel8.img']!));
  const preview = await fetch(`${srv.url}/api/v1/nodes/${serial}/boot-files/cmdline.txt`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(Buffer.from(await preview.arrayBuffer()).toString(), cmdline);
  const rendered = await runCli(['render', serial, 'cmdline.txt', '--url', srv.url, '--admin-token', token]);
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.equal(rendered.stdout, cmdline);
  await api('PUT', `/api/v1/nodes/${serial}/target`, { kind: 'usb-root', partuuid: 'c1f95d14-02' });
  assert.match(await text(`${serial}/cmdline.txt`), /root=PARTUUID=c1f95d14-02 rootfstype=ext4 rootwait/);
});

test('local and retired nodes get file-not-found for every request, prefixed or not', async () => {
  const serial = 'a0ca1001';
  await text(`${serial}/config.txt`, '127.0.0.7');
  await until('client IP on record', async () => (await api('GET', `/api/v1/nodes/${serial}`)).body?.lastIp === '127.0.0.7');
  assert.equal((await api('PUT', `/api/v1/nodes/${serial}/target`, { kind: 'local' })).status, 200);
  for (const p of [`${serial}/start4.elf`, `${serial}/config.txt`, 'start4.elf', 'config.txt', 'cmdline.txt']) {
    const r = await get(p, '127.0.0.7');
    assert.equal(r.error?.code, 1, p);
  }
  const preview = await fetch(`${srv.url}/api/v1/nodes/${serial}/boot-files/config.txt`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(preview.status, 404);
  await api('PUT', `/api/v1/nodes/${serial}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/x' });
  await api('POST', `/api/v1/nodes/${serial}/actions/retire`);
  assert.equal((await get(`${serial}/start4.elf`, '127.0.0.7')).error?.code, 1);
  assert.equal((await get('start4.elf', '127.0.0.7')).error?.code, 1);
});

test('un-prefixed requests are matched by client IP, else served the discovery plan; a MAC prefix enrolls by MAC', async () => {
  const serial = 'feed0001';
  await text(`${serial}/config.txt`, '127.0.0.9');
  await until('client IP on record', async () => (await api('GET', `/api/v1/nodes/${serial}`)).body?.lastIp === '127.0.0.9');
  await api('PUT', `/api/v1/nodes/${serial}/target`, { kind: 'nfs-root', server: '10.0.0.2', path: '/srv/roots/feed' });
  assert.match(await text('cmdline.txt', '127.0.0.9'), /nfsroot=10\.0\.0\.2:\/srv\/roots\/feed,vers=3/);
  const stranger = await text('cmdline.txt', '127.0.0.10');
  assert.match(stranger, /bootherd\.mode=discovery\n$/);
  assert.doesNotMatch(stranger, /bootherd\.node=/);
  assert.equal(sha((await get('start4.elf', '127.0.0.10')).data), sha(files['start4.elf']!));
  await text('dc-a6-32-01-36-c2/config.txt');
  const byMac = await api('GET', '/api/v1/nodes/dc:a6:32:01:36:c2');
  assert.deepEqual([byMac.status, byMac.body.state, byMac.body.identity.macs], [200, 'new', ['dc:a6:32:01:36:c2']]);
});

test('the same tree over HTTP: /boot/<serial>/<file> with Content-Length and Range', async () => {
  const serial = 'feed0002';
  const whole = await fetch(`${srv.url}/boot/${serial}/vmlinuz`);
  assert.equal(whole.headers.get('content-length'), String(files.vmlinuz!.length));
  assert.equal(sha(Buffer.from(await whole.arrayBuffer())), sha(files.vmlinuz!));
  const part = await fetch(`${srv.url}/boot/${serial}/vmlinuz`, { headers: { range: 'bytes=100-199' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 100-199/${files.vmlinuz!.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), files.vmlinuz!.subarray(100, 200));
  assert.equal((await fetch(`${srv.url}/boot/${serial}/..%2f..%2fetc%2fpasswd`)).status, 404);
  assert.equal((await fetch(`${srv.url}/boot/not-an-id/vmlinuz`)).status, 400);
});
