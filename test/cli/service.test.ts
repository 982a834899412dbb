// The systemd unit: systemd's own checker accepts it and rates its exposure,
// `install-service` writes it with this bootherd's paths, and the
// capabilities it grants are what `serve` needs to bind TFTP as its own user.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { planService, unitTemplatePath } from '../../src/cli/install-service.js';
import { cliPath } from '../../src/paths.js';
import { runCli } from '../helpers/process.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'bootherd-unit-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function systemdAnalyze(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') assert.fail('systemd-analyze is missing: install the Debian package systemd (scripts/install-test-deps.sh)');
  return r;
}

// The [Service] settings of a unit; a key given twice keeps every value.
function serviceSettings(unit: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const line of unit.split('\n')) {
    if (/^\[.+\]$/.test(line)) section = line;
    else if (section === '[Service]' && /^\w+=/.test(line)) {
      const [k, ...v] = line.split('=');
      out.set(k!, [...(out.get(k!) ?? []), v.join('=')]);
    }
  }
  return out;
}

test('the unit passes systemd-analyze verify and its security review', () => {
  const dir = tmp();
  const plan = planService({ unitDir: dir, user: 'bootherd', node: process.execPath, cli: cliPath, userExists: true });
  writeFileSync(plan.unitFile, plan.unit);
  const verify = systemdAnalyze(['verify', plan.unitFile]);
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal(verify.stderr.split('\n').filter((l) => l.includes('bootherd.service')).join('\n'), '', 'no warning about the unit');
  // --threshold counts in tenths of the 0-10 exposure scale: 30 is 3.0.
  const security = systemdAnalyze(['security', '--offline=true', '--threshold=30', plan.unitFile]);
  assert.equal(security.status, 0, `exposure above 3.0:\n${security.stdout.split('\n').slice(-3).join('\n')}`);
  assert.match(security.stdout, /Overall exposure level for bootherd\.service: [0-2]\.\d/);
});

test('the unit runs bootherd as its own user with only the capabilities a boot server needs', () => {
  const s = serviceSettings(readFileSync(unitTemplatePath, 'utf8'));
  const one = (k: string) => (s.get(k) ?? []).join(' ');
  assert.equal(one('User'), 'bootherd');
  const caps = (k: string) => one(k).split(/\s+/).sort();
  assert.deepEqual(caps('AmbientCapabilities'), ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']);
  assert.deepEqual(caps('CapabilityBoundingSet'), caps('AmbientCapabilities'), 'the bounding set is exactly the ambient set');
  assert.deepEqual(one('RestrictAddressFamilies').split(/\s+/).sort(), ['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
  for (const [k, v] of [['StateDirectory', 'bootherd'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['NoNewPrivileges', 'yes']]) assert.equal(one(k!), v, k);
  assert.match(one('ReadWritePaths'), /\/etc\/exports\.d/);
  assert.match(one('ExecStart'), / serve$/);
});

test('install-service --dry-run prints every step and changes nothing; a real run writes the unit', async () => {
  const dir = tmp();
  const user = `bootherd-t${process.pid}`;
  const dry = await runCli(['install-service', '--dry-run', '--unit-dir', dir, '--user', user]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.ok(dry.stdout.includes(`would write ${path.join(dir, 'bootherd.service')}:`));
  assert.ok(dry.stdout.includes(`ExecStart=${process.execPath} ${cliPath} serve`));
  assert.ok(dry.stdout.includes(`would run: useradd --system --user-group --home-dir /var/lib/bootherd --no-create-home --shell /usr/sbin/nologin --comment bootherd network boot ${user}`));
  assert.match(dry.stdout, /systemctl daemon-reload\n {2}systemctl enable --now bootherd/);
  assert.deepEqual(readdirSync(dir), [], 'a dry run writes nothing');
  assert.ok(!readFileSync('/etc/passwd', 'utf8').includes(`${user}:`), 'and creates no user');
  const real = await runCli(['install-service', '--unit-dir', dir, '--user', 'nobody']);
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stdout, /user nobody exists/);
  const unit = readFileSync(path.join(dir, 'bootherd.service'), 'utf8');
  assert.deepEqual([serviceSettings(unit).get('User'), serviceSettings(unit).get('ExecStart')], [['nobody'], [`${process.execPath} ${cliPath} serve`]]);
  assert.equal((await runCli(['install-service', '--user', 'Bad User', '--dry-run'])).code, 2);
});

async function freePrivilegedUdpPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 600 + Math.floor(Math.random() * 400);
    const sock = createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      sock.once('error', () => resolve(false));
      sock.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => sock.close(() => r()));
    if (ok) return port;
  }
  throw new Error('no free UDP port below 1024 on 127.0.0.1');
}

test("the unit's ambient CAP_NET_BIND_SERVICE is what lets bootherd's user serve TFTP below 1024", async () => {
  assert.equal(process.getuid?.(), 0, 'this test switches to an unprivileged user with setpriv (util-linux) and needs root, as CI has');
  const port = await freePrivilegedUdpPort();
  const dataDir = tmp();
  chmodSync(dataDir, 0o777);
  const serveArgs = [cliPath, 'serve', '--data-dir', dataDir, '--http', '127.0.0.1:0', '--tftp', `127.0.0.1:${port}`, '--log-level', 'warn'];
  const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];
  const without = spawnSync('setpriv', [...asNobody, process.execPath, ...serveArgs], { encoding: 'utf8', timeout: 60_000 });
  if ((without.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') assert.fail('setpriv is missing: install the Debian package util-linux');
  assert.equal(without.status, 1, without.stderr);
  assert.match(without.stderr, /tftp: cannot listen on 127\.0\.0\.1:\d+: EACCES/);
  // With the capability the unit grants, serve starts; it is stopped once it listens.
  const proc = spawn('setpriv', [...asNobody, '--inh-caps=+net_bind_service', '--ambient-caps=+net_bind_service', process.execPath, ...serveArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/tftp: listening/.test(out)) (clearTimeout(timer), resolve(true));
    });
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then(() => (clearTimeout(timer), resolve(false)));
  });
  proc.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.ok(listening, out);
  assert.match(out, new RegExp(`tftp: listening on 127\\.0\\.0\\.1:${port}`));
  assert.ok(existsSync(path.join(dataDir, 'bootherd.db')), 'its database is in the data dir it was given');
});
