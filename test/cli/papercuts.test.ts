// Operational papercuts as the user meets them, through `bootherd` child
// processes: large HTTP boot downloads, the admin-token file, operator
// templates, one bootherd per data dir, power effects nobody carried out,
// and a guessed advertise address.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { advertiseWarning, resolveAdvertise } from '../../src/advertise.js';
import { runCli, startServe, type ServeProcess } from '../helpers/process.js';
import { piInventory } from '../helpers/server.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'bootherd-papercuts-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const serve = (dataDir: string, extra: string[] = []) => startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn', ...extra]);
async function stop(srv: ServeProcess): Promise<void> {
  srv.proc.kill('SIGTERM');
  await srv.exited;
}
// serve that should refuse to start; if it starts after all, it is killed and the test fails on its exit code.
const refusedServe = (args: string[]) => runCli(['serve', ...args], {}, { timeoutMs: 60_000 });
const noStack = (text: string) => assert.doesNotMatch(text, /^\s+at .*\(?.*:\d+:\d+\)?$/m, 'no stack trace');

test('a large HTTP boot download arrives whole, without a MaxListenersExceededWarning', async () => {
  const dir = tmp();
  const fw = path.join(dir, 'firmware');
  mkdirSync(fw);
  const big = randomBytes(6 * 1024 * 1024 + 17);
  writeFileSync(path.join(fw, 'big.bin'), big);
  const srv = await serve(path.join(dir, 'data'), ['--firmware-dir', fw]);
  try {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${srv.url}/boot/0000aa9${i}/big.bin`);
      assert.equal(res.status, 200);
      const got = Buffer.from(await res.arrayBuffer());
      assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(big).digest('hex'));
    }
  } finally {
    await stop(srv);
  }
  assert.doesNotMatch(srv.output(), /MaxListenersExceededWarning|memory leak/);
});

test('an admin-token file that cannot be read, or is empty, stops serve with the fix, and is never overwritten', async () => {
  const unreadable = tmp();
  mkdirSync(path.join(unreadable, 'admin-token'));
  const r = await refusedServe(['--data-dir', unreadable, '--http', '127.0.0.1:0', '--no-tftp']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^bootherd: admin token: cannot read ${path.join(unreadable, 'admin-token')}: EISDIR: fix its permissions .*--admin-token`, 'm'));
  noStack(r.stderr);
  assert.ok(statSync(path.join(unreadable, 'admin-token')).isDirectory(), 'left as it was');

  const empty = tmp();
  writeFileSync(path.join(empty, 'admin-token'), '');
  const e = await refusedServe(['--data-dir', empty, '--http', '127.0.0.1:0', '--no-tftp']);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /admin token: .*admin-token is empty: put the admin token in it, or delete it/);
  assert.equal(readFileSync(path.join(empty, 'admin-token'), 'utf8'), '', 'not overwritten');
});

test('a broken operator template stops serve at start, naming the file and line', async () => {
  const dir = tmp();
  const templates = path.join(dir, 'templates');
  mkdirSync(path.join(templates, 'rpi/discovery'), { recursive: true });
  mkdirSync(path.join(templates, 'ipxe'), { recursive: true });
  writeFileSync(path.join(templates, 'rpi/discovery/cmdline.txt.njk'), 'console=serial0\nroot=/dev/ram0 {{ node.serial | }}\n');
  writeFileSync(path.join(templates, 'ipxe/discovery.ipxe.njk'), '#!ipxe\n{% if platform == "efi" %}\nkernel x\n');
  const r = await refusedServe(['--data-dir', path.join(dir, 'data'), '--http', '127.0.0.1:0', '--no-tftp', '--templates-dir', templates]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /templates: 2 cannot be compiled/);
  assert.match(r.stderr, new RegExp(`${path.join(templates, 'rpi/discovery/cmdline.txt.njk')}:2:\\d+: expected symbol`));
  assert.match(r.stderr, new RegExp(`${path.join(templates, 'ipxe/discovery.ipxe.njk')}:3: at the end of the file: .*endif`));
  noStack(r.stderr);
});

test('a second serve on the same data dir refuses, naming the first one\'s pid; a dead one\'s lock is taken over', async () => {
  const dataDir = tmp();
  const first = await serve(dataDir);
  try {
    const second = await refusedServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`data dir ${dataDir} is in use by bootherd pid ${first.proc.pid} \\(lock file ${path.join(dataDir, 'bootherd.lock')}\\)`));
    assert.equal((await fetch(`${first.url}/healthz`)).status, 200, 'the first one is untouched');
  } finally {
    first.proc.kill('SIGKILL');
    await first.exited;
  }
  const third = await serve(dataDir);
  await stop(third);
  // A container restarted with its data dir: the lock names a pid that is alive again, as another process.
  writeFileSync(path.join(dataDir, 'bootherd.lock'), `${process.pid} 1\n`);
  const fourth = await serve(dataDir);
  await stop(fourth);
});

test('nodes set-target and action say when no power driver carried out a power cycle', async () => {
  const dataDir = tmp();
  // A kernel in the firmware dir: bootherd refuses targets it could not boot.
  mkdirSync(path.join(dataDir, 'firmware'), { recursive: true });
  writeFileSync(path.join(dataDir, 'firmware', 'kernel8.img'), 'kernel');
  const srv = await serve(dataDir);
  try {
    const d = await fetch(`${srv.url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(piInventory('0000fa01', 'dc:a6:32:00:fa:01')) });
    assert.equal(d.status, 200);
    const base = ['--url', srv.url, '--data-dir', dataDir];
    const first = await runCli(['nodes', 'set-target', '0000fa01', 'local', ...base]);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /warning/, 'a ready node runs the agent: nothing to power-cycle');
    const moved = await runCli(['nodes', 'set-target', '0000fa01', 'nfs-root', 'server=10.0.0.1', 'path=/srv/roots/fa01', ...base]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /-> deployed, target nfs-root/);
    assert.match(moved.stdout, /^warning: no power driver: reboot the node yourself so that it boots what it should now$/m);
    const json = JSON.parse((await runCli(['nodes', 'set-target', '0000fa01', 'usb-root', '-o', 'json', ...base])).stdout);
    assert.deepEqual(json[0].answer.effects.map((e: { op: string; done: boolean; detail: string }) => [e.op, e.done, e.detail]), [['power-cycle', false, 'no power driver configured for this node']]);
    const rescue = await runCli(['nodes', 'action', '0000fa01', 'rescue', ...base]);
    assert.match(rescue.stdout, /node is now 'rescue'\nwarning: no power driver: reboot the node yourself/);
    assert.equal((await runCli(['nodes', 'action', '0000fa01', 'end-rescue', ...base])).code, 0);
    const retire = await runCli(['nodes', 'action', '0000fa01', 'retire', ...base]);
    assert.match(retire.stdout, /^warning: no power driver: power the node off yourself$/m);
    const del = await runCli(['nodes', 'delete', '0000fa01', ...base]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await runCli(['nodes', 'show', '0000fa01', ...base])).code, 1);
  } finally {
    await stop(srv);
  }
});

test('a guessed advertise address is warned about, naming the candidates and the flag', async () => {
  const lan = { eth0: [{ address: '10.1.2.3', family: 'IPv4', internal: false }], docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false }], lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }] } as unknown as ReturnType<typeof os.networkInterfaces>;
  const guessed = resolveAdvertise({ http: { host: '0.0.0.0' } }, lan);
  assert.deepEqual([guessed.host, guessed.guessed], ['10.1.2.3', true]);
  assert.match(advertiseWarning(guessed)!, /^warning: advertise address guessed: 10\.1\.2\.3, the first of 10\.1\.2\.3 \(eth0\), 172\.17\.0\.1 \(docker0\); .*set --advertise HOST/);
  assert.match(advertiseWarning(resolveAdvertise({ http: { host: '::' } }, { lo: lan.lo }))!, /no non-loopback IPv4 address, so booting nodes are told 127\.0\.0\.1/);
  assert.equal(advertiseWarning(resolveAdvertise({ advertise: '10.9.9.9', http: { host: '0.0.0.0' } }, lan)), null);
  assert.equal(advertiseWarning(resolveAdvertise({ http: { host: '10.1.2.3' } }, lan)), null);

  const dir = tmp();
  const r = await runCli(['dhcp-config', '--dnsmasq', '--proxy', '--range', '10.0.0.0', '--data-dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  const here = resolveAdvertise({ http: { host: '0.0.0.0' } });
  assert.equal(r.stderr.trim(), advertiseWarning(here));
  assert.match(r.stderr, /--advertise HOST/);
  const set = await runCli(['dhcp-config', '--dnsmasq', '--proxy', '--range', '10.0.0.0', '--data-dir', dir, '--advertise', '10.0.0.1']);
  assert.equal(set.stderr, '');
});
