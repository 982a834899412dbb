// The rules commands against a real server: add from flags and from a file,
// edit without an editor, apply with a dry run first, delete.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/process.js';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-rules-'));
before(async () => {
  s = await startTestServer();
  for (let i = 1; i <= 3; i++) await s.api('POST', '/api/v1/discovery', piInventory(`0000d10${i}`, `dc:a6:32:00:d1:0${i}`), { auth: null });
});
after(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli([...args, '--url', s.url, '--admin-token', s.token]);
const rules = async () => (await s.api('GET', '/api/v1/rules')).body.rules as Array<{ name: string; priority: number; apply: Record<string, unknown>; match: Record<string, unknown> }>;

test('rules add from flags: --dry-run checks and sends nothing; then the rule is added as given', async () => {
  const args = ['rules', 'add', '--name', 'rack-d1', '--match-mac-prefix', 'dc:a6:32:00:d1', '--match-min-memory', '2G', '--hostname', 'd1-pi{seq:02}', '--label', 'rack=d1', '--target', 'nfs-root server=10.0.0.1 path=/srv/roots/{hostname}'];
  const dry = await cli(...args, '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: rule is valid, not added/);
  assert.equal((await rules()).length, 0);
  const added = await cli(...args);
  assert.equal(added.code, 0, added.stderr);
  const [rule] = await rules();
  assert.deepEqual(rule!.match, { macPrefixes: ['dc:a6:32:00:d1'], minMemoryBytes: 2 * 2 ** 30 });
  assert.deepEqual(rule!.apply.target, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/{hostname}' });
});

test('rules apply: the dry run lists each node and changes nothing; the real run enrolls them', async () => {
  const dry = await cli('rules', 'apply', 'rack-d1', '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^0000d101\s+would-apply\s+hostname d1-pi01 \(seq 1\), label rack=d1, target nfs-root 10\.0\.0\.1:\/srv\/roots\/d1-pi01, ready -> deployed$/m);
  assert.match(dry.stdout, /^rule rack-d1: 3 matching, 3 would change, 0 unchanged, 0 skipped, 0 failed \(dry run: nothing changed\)$/m);
  assert.equal((await s.api('GET', '/api/v1/nodes/0000d101')).body.state, 'ready');
  const real = await cli('rules', 'apply', 'rack-d1', '-o', 'json');
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(JSON.parse(real.stdout).results.map((r: { outcome: string }) => r.outcome), ['applied', 'applied', 'applied']);
  const node = (await s.api('GET', '/api/v1/nodes/d1-pi03')).body;
  assert.deepEqual([node.state, node.target.path], ['deployed', '/srv/roots/d1-pi03']);
});

test('rules edit takes flags or a file, never an editor; rules rm deletes', async () => {
  const edit = await cli('rules', 'edit', 'rack-d1', '--priority', '5', '--label', 'role=worker');
  assert.equal(edit.code, 0, edit.stderr);
  let [rule] = await rules();
  assert.deepEqual([rule!.priority, rule!.apply.labels, rule!.apply.hostname], [5, { role: 'worker' }, 'd1-pi{seq:02}']);
  const file = path.join(dir, 'rule.yaml');
  writeFileSync(file, 'name: rack-d1\npriority: 7\nmatch:\n  model: Pi 4\napply:\n  labels:\n    rack: d1\n');
  assert.equal((await cli('rules', 'edit', 'rack-d1', '-f', file)).code, 0);
  [rule] = await rules();
  assert.deepEqual([rule!.priority, rule!.match, rule!.apply.hostname], [7, { model: 'Pi 4' }, undefined], 'a file replaces the rule');
  writeFileSync(file, 'name: rack-d1\napply:\n  target: { kind: nfs-root, server: 10.0.0.1, path: "/srv/{rack}" }\n');
  const bad = await cli('rules', 'edit', 'rack-d1', '-f', file);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /rule: apply\.target\.path: unknown placeholder \{rack\}/);
  assert.equal((await cli('rules', 'edit', 'rack-d1')).code, 2, 'nothing to change is a usage error');
  assert.match((await cli('rules', 'rm', 'rack-d1', '--dry-run')).stdout, /would delete rule rack-d1/);
  assert.equal((await rules()).length, 1);
  assert.equal((await cli('rules', 'rm', 'rack-d1')).code, 0);
  assert.equal((await rules()).length, 0);
  const gone = await cli('rules', 'show', 'rack-d1');
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /rule rack-d1: not found/);
});
