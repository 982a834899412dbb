// Node commands by selector against a real server: one line per node, exit 1
// when any node failed, --dry-run changes nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/process.js';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  for (let i = 1; i <= 6; i++) {
    const r = await s.api('POST', '/api/v1/discovery', piInventory(`0000e00${i}`, `dc:a6:32:00:e0:0${i}`), { auth: null });
    await s.api('PATCH', `/api/v1/nodes/${r.body.nodeId}`, { hostname: `sel-${i}`, labels: { rack: i <= 4 ? 'r1' : 'r2', ...(i % 2 ? { odd: 'yes' } : {}) } });
  }
});
after(async () => s.stop());

const cli = (...args: string[]) => runCli([...args, '--url', s.url, '--admin-token', s.token]);
const state = async (name: string) => (await s.api('GET', `/api/v1/nodes/${name}`)).body.state as string;
const lines = (out: string) => out.trim().split('\n');

test('nodes action by label: one line per node; --dry-run first changes nothing', async () => {
  const dry = await cli('nodes', 'action', '-l', 'rack=r1', 'rescue', '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(lines(dry.stdout).map((l) => l.split(/\s+/)[0]), ['sel-1', 'sel-2', 'sel-3', 'sel-4']);
  assert.match(dry.stdout, /^sel-1\s+would rescue: ready -> rescue \(power-cycle\)$/m);
  for (const n of ['sel-1', 'sel-4']) assert.equal(await state(n), 'ready', 'a dry run changes nothing');
  const real = await cli('nodes', 'action', '-l', 'rack=r1', '-l', 'odd=yes', 'rescue');
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(lines(real.stdout).filter((l) => !l.startsWith('warning: ')), ["sel-1  node is now 'rescue'", "sel-3  node is now 'rescue'"]);
  assert.match(real.stdout, /^warning: no power driver: its agent takes the change at its next poll/m, 'a rescue with nobody to cycle the power says the agent takes it');
  assert.deepEqual([await state('sel-1'), await state('sel-2'), await state('sel-3')], ['rescue', 'ready', 'rescue']);
});

test('a selector action where some nodes fail exits 1 and still acts on the others', async () => {
  const r = await cli('nodes', 'action', '--state', 'rescue', 'end-rescue');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stdout), ["sel-1  node is now 'ready'", "sel-3  node is now 'ready'"]);
  assert.equal((await cli('nodes', 'action', 'sel-2', 'rescue')).code, 0);
  const mixed = await cli('nodes', 'action', '-l', 'rack=r1', 'end-rescue');
  assert.equal(mixed.code, 1);
  assert.equal(lines(mixed.stdout).length, 4, 'every selected node is reported');
  assert.match(mixed.stdout, /^sel-1\s+failed: invalid transition: state 'ready' does not accept event 'end-rescue'$/m);
  assert.match(mixed.stdout, /^sel-2\s+node is now 'ready'$/m);
  assert.match(mixed.stderr, /3 of 4 nodes failed/);
  assert.equal(await state('sel-2'), 'ready', 'the node that could be acted on was');
  const json = await cli('nodes', 'action', '-l', 'rack=r1', 'end-rescue', '-o', 'json');
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.stdout).map((x: { node: string; ok: boolean }) => [x.node, x.ok]), [['sel-1', false], ['sel-2', false], ['sel-3', false], ['sel-4', false]]);
});

test('nodes set and set-target by selector; hostname= on several nodes is refused', async () => {
  const set = await cli('nodes', 'set', '-l', 'rack=r2', 'label.role=worker', 'label.odd-');
  assert.equal(set.code, 0, set.stderr);
  assert.deepEqual(lines(set.stdout), ['sel-5  set label role=worker, label odd removed', 'sel-6  set label role=worker, label odd removed']);
  assert.deepEqual((await s.api('GET', '/api/v1/nodes/sel-5')).body.labels, { rack: 'r2', role: 'worker' });
  const many = await cli('nodes', 'set', '-l', 'rack=r2', 'hostname=same');
  assert.equal(many.code, 2);
  assert.match(many.stderr, /would name 2 nodes alike/);
  const target = await cli('nodes', 'set-target', '-l', 'role=worker', 'nfs-root', 'server=10.0.0.1', 'path=/srv/roots/workers');
  assert.equal(target.code, 0, target.stderr);
  assert.deepEqual(lines(target.stdout), ['sel-5  ready -> deployed, target nfs-root 10.0.0.1:/srv/roots/workers', 'sel-6  ready -> deployed, target nfs-root 10.0.0.1:/srv/roots/workers']);
  assert.equal(await state('sel-6'), 'deployed');
});

test('--all includes retired nodes; a selector that matches nothing is an error', async () => {
  assert.equal((await cli('nodes', 'action', 'sel-6', 'retire')).code, 0);
  const list = await cli('nodes', 'list', '-l', 'rack=r2');
  assert.doesNotMatch(list.stdout, /sel-6/, 'retired nodes are left out of a selector without --all');
  const all = await cli('nodes', 'list', '-l', 'rack=r2', '--all');
  assert.match(all.stdout, /^sel-6\s+retired/m);
  const none = await cli('nodes', 'action', '-l', 'rack=nowhere', 'reboot');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^bootherd: no node matches the selector\n$/);
});

test('NODE or a selector, not both, not neither', async () => {
  const both = await cli('nodes', 'action', 'sel-1', '-l', 'rack=r1', 'rescue');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /name NODE or select with -l, --state STATE, --all, not both/);
  const neither = await cli('nodes', 'action');
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /^bootherd: nodes action: missing NODE \(or select nodes with -l, --state STATE, --all\); usage: bootherd nodes action NODE\|-l\|--state\|--all ACTION \[flags\]\n$/);
});
