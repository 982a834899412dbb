import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { piInventory } from '../helpers/server.js';
import { runCli, startServe } from '../helpers/process.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'bootherd-cli-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function call(url: string, token: string | null, method: string, p: string, body?: unknown) {
  const res = await fetch(url + p, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

test('serve prints its ports and the admin token file (mode 0600); kill -9 loses no acknowledged change', async () => {
  const dataDir = tmp();
  const first = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  const tokenFile = path.join(dataDir, 'admin-token');
  assert.match(first.output(), new RegExp(`admin token: in ${tokenFile}`));
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  const token = readFileSync(tokenFile, 'utf8').trim();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const serial = (0xee00 + i).toString(16).padStart(8, '0');
    const r = await call(first.url, null, 'POST', '/api/v1/discovery', piInventory(serial, `dc:a6:32:00:ee:${i.toString(16).padStart(2, '0')}`));
    assert.equal(r.status, 200);
    ids.push(r.body.nodeId);
    assert.equal((await call(first.url, token, 'PATCH', `/api/v1/nodes/${r.body.nodeId}`, { hostname: `pi-${i}`, labels: { n: String(i) } })).status, 200);
  }
  assert.equal((await call(first.url, token, 'PUT', `/api/v1/nodes/${ids[19]}/target`, { kind: 'local' })).status, 200);
  first.proc.kill('SIGKILL');
  assert.equal(await first.exited, null);

  const second = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  try {
    const { nodes } = (await call(second.url, token, 'GET', '/api/v1/nodes')).body as { nodes: Array<{ id: string; hostname: string; labels: Record<string, string>; state: string }> };
    assert.equal(nodes.length, 20);
    for (let i = 0; i < 20; i++) {
      const n = nodes.find((x) => x.id === ids[i]);
      assert.deepEqual([n?.hostname, n?.labels.n], [`pi-${i}`, String(i)]);
    }
    assert.equal(nodes.find((x) => x.id === ids[19])?.state, 'deployed');
  } finally {
    second.proc.kill('SIGTERM');
    assert.equal(await second.exited, 0, 'SIGTERM stops it cleanly');
  }
});

test('a bad config exits 1 listing every problem', async () => {
  const dir = tmp();
  const file = path.join(dir, 'bootherd.yaml');
  writeFileSync(file, 'http: "nonsense"\nlogLevel: chatty\nbogusKey: 1\ntftp:\n  blksizeCap: 9\n');
  const r = await runCli(['serve', '--config', file, '--data-dir', dir]);
  assert.equal(r.code, 1);
  for (const want of [/http: expected HOST:PORT/, /logLevel: /, /bogusKey/, /tftp\.blksizeCap: /]) assert.match(r.stderr, want);
  const env = await runCli(['serve', '--data-dir', dir], { BOOTHERD_HTTP: '127.0.0.1:99999' });
  assert.equal(env.code, 1);
  assert.match(env.stderr, /http: expected HOST:PORT, got "127\.0\.0\.1:99999"/);
  const missing = await runCli(['serve', '--config', path.join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /config: cannot read .*nope\.yaml: ENOENT/);
});

test('a port that cannot be bound names the fix', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = await runCli(['serve', '--data-dir', tmp(), '--http', `127.0.0.1:${port}`, '--no-tftp']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`http: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE: another process holds the port; stop it or choose another with --http HOST:PORT`));
  } finally {
    blocker.close();
  }
});

test('the nodes commands drive the API, with exit codes 0, 1 and 2', async () => {
  const dataDir = tmp();
  // A kernel in the firmware dir: bootherd refuses targets it could not boot.
  mkdirSync(path.join(dataDir, 'firmware'), { recursive: true });
  writeFileSync(path.join(dataDir, 'firmware', 'kernel8.img'), 'kernel');
  const srv = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  try {
    const d = await call(srv.url, null, 'POST', '/api/v1/discovery', piInventory('0000ef01', 'dc:a6:32:00:ef:01'));
    const base = ['--url', srv.url, '--data-dir', dataDir];
    const list = await runCli(['nodes', 'list', ...base]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^HOSTNAME\s+STATE\s+TARGET\s+HEALTH\s+BOOT STAGE\s+IP\s+LAST SEEN\s+SERIAL\s+MAC$/m);
    // TARGET shows the server's nextBoot line.
    assert.match(list.stdout, /^-\s+ready\s+discovery image \(hold: waiting for a target\)\s+ok\s+-\s+\S+\s+\S+\s+0000ef01\s+dc:a6:32:00:ef:01$/m);
    const json = await runCli(['nodes', 'list', '-o', 'json', ...base]);
    assert.equal(JSON.parse(json.stdout)[0].id, d.body.nodeId);
    const set = await runCli(['nodes', 'set-target', '0000ef01', 'nfs-root', 'server=10.0.0.1', 'path=/srv/roots/ef01', ...base]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /ready -> deployed/);
    const show = await runCli(['nodes', 'show', 'dc:a6:32:00:ef:01', '-o', 'json', ...base]);
    assert.equal(JSON.parse(show.stdout).target.path, '/srv/roots/ef01');
    assert.equal(JSON.parse(show.stdout).nextBoot, 'nfs-root (firmware-dir kernel) -> 10.0.0.1:/srv/roots/ef01');
    const act = await runCli(['nodes', 'action', '0000ef01', 'rescue', ...base]);
    assert.equal(act.code, 0, act.stderr);
    assert.match(act.stdout, /node is now 'rescue'/);
    const bad = await runCli(['nodes', 'set-target', '0000ef01', 'nfs-root', 'server=10.0.0.1', 'path=/srv/a b', ...base]);
    assert.equal(bad.code, 2, 'a bad value is refused before anything is sent');
    assert.match(bad.stderr, /target: path: must be one kernel command-line token/);
    const unknown = await runCli(['nodes', 'show', 'deadbeef', ...base]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /node deadbeef: not found/);
    const usage = await runCli(['nodes', 'frobnicate', ...base]);
    assert.equal(usage.code, 2);
    assert.equal((await runCli(['--bogus-flag'])).code, 2);
    assert.equal((await runCli([])).code, 2);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: bootherd/);
    const noToken = await runCli(['nodes', 'list', '--url', srv.url, '--data-dir', tmp()]);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /no admin token/);
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
  }
});
