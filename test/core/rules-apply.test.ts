import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => (s = await startTestServer()));
after(async () => s.stop());

const hex = (n: number) => n.toString(16).padStart(2, '0');
// Boards of one rack, reported before any rule exists: they sit in `ready`.
async function rack(prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) {
    const r = await s.api('POST', '/api/v1/discovery', piInventory(`0000${prefix}${hex(i)}`, `dc:a6:32:${prefix}:00:${hex(i)}`), { auth: null });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    ids.push(r.body.nodeId);
  }
  return ids;
}
const node = async (id: string) => (await s.api('GET', `/api/v1/nodes/${id}`)).body;

test('a rule applies to ready nodes that exist: dry run first changes nothing, then the same names are given', async () => {
  const ids = await rack('a1', 3);
  const rule = await s.api('POST', '/api/v1/rules', { name: 'rack-a1', match: { macPrefixes: ['dc:a6:32:a1'] }, apply: { hostname: 'a1-pi{seq:02}', labels: { rack: 'a1' }, target: { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/{hostname}' } } });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  const dry = await s.api('POST', `/api/v1/rules/${rule.body.id}/apply`, { dryRun: true });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.equal(dry.body.matched, 3);
  assert.deepEqual(dry.body.results.map((r: any) => [r.outcome, r.changes.hostname.to, r.changes.target.to.path, r.changes.state.to]), [
    ['would-apply', 'a1-pi01', '/srv/roots/a1-pi01', 'deployed'],
    ['would-apply', 'a1-pi02', '/srv/roots/a1-pi02', 'deployed'],
    ['would-apply', 'a1-pi03', '/srv/roots/a1-pi03', 'deployed'],
  ]);
  for (const id of ids) assert.deepEqual([(await node(id)).state, (await node(id)).hostname], ['ready', null], 'a dry run changes nothing');
  const real = await s.api('POST', '/api/v1/rules/rack-a1/apply', {});
  assert.deepEqual(real.body.results.map((r: any) => [r.outcome, r.changes.hostname.to]), [['applied', 'a1-pi01'], ['applied', 'a1-pi02'], ['applied', 'a1-pi03']]);
  const first = await node(ids[0]!);
  assert.deepEqual([first.hostname, first.state, first.labels, first.enrolledBy, first.target.path], ['a1-pi01', 'deployed', { rack: 'a1' }, 'rack-a1', '/srv/roots/a1-pi01']);
  const events = (await s.api('GET', `/api/v1/nodes/${ids[0]}/events`)).body.events;
  assert.ok(events.some((e: any) => e.kind === 'enrolled-by-rule' && e.data.via === 'apply'));
  // Applying again leaves enrolled nodes alone.
  const again = await s.api('POST', '/api/v1/rules/rack-a1/apply', { dryRun: true });
  assert.deepEqual(again.body.results.map((r: any) => r.outcome), ['skipped', 'skipped', 'skipped']);
  assert.match(again.body.results[0].reason, /is deployed with a target/);
});

test('a taken host name moves on to the next sequence number instead of skipping the node', async () => {
  const ids = await rack('b2', 3);
  const squatter = (await rack('b3', 1))[0]!;
  assert.equal((await s.api('PATCH', `/api/v1/nodes/${squatter}`, { hostname: 'b2-pi02' })).status, 200);
  await s.api('POST', '/api/v1/rules', { name: 'rack-b2', match: { macPrefixes: ['dc:a6:32:b2'] }, apply: { hostname: 'b2-pi{seq:02}' } });
  const dry = (await s.api('POST', '/api/v1/rules/rack-b2/apply', { dryRun: true })).body;
  assert.deepEqual(dry.results.map((r: any) => [r.changes.hostname.to, r.sequence]), [['b2-pi01', 1], ['b2-pi03', 3], ['b2-pi04', 4]]);
  const real = (await s.api('POST', '/api/v1/rules/rack-b2/apply', {})).body;
  assert.deepEqual(real.results.map((r: any) => r.changes.hostname.to), ['b2-pi01', 'b2-pi03', 'b2-pi04']);
  assert.deepEqual(await Promise.all(ids.map(async (id) => (await node(id)).hostname)), ['b2-pi01', 'b2-pi03', 'b2-pi04']);
  assert.equal((await node(squatter)).hostname, 'b2-pi02', 'the other node keeps its name');
  // On a first inventory too: the next board takes b2-pi05 although an operator named another node b2-pi05.
  await s.api('PATCH', `/api/v1/nodes/${squatter}`, { hostname: 'b2-pi05' });
  const late = await s.api('POST', '/api/v1/discovery', piInventory('0000b2ff', 'dc:a6:32:b2:00:ff'), { auth: null });
  assert.equal((await node(late.body.nodeId)).hostname, 'b2-pi06');
});

test('operator-assigned nodes are skipped unless force; busy and retired nodes never; failures are per node', async () => {
  const [plain, assigned, retired, unnamed] = await rack('c4', 4) as [string, string, string, string];
  await s.api('PUT', `/api/v1/nodes/${assigned}/target`, { kind: 'local' });
  await s.api('POST', `/api/v1/nodes/${retired}/actions/retire`);
  const rule = await s.api('POST', '/api/v1/rules', { name: 'rack-c4', match: { macPrefixes: ['dc:a6:32:c4'] }, apply: { labels: { rack: 'c4' }, target: { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/{hostname}' } } });
  assert.equal(rule.status, 201);
  await s.api('PATCH', `/api/v1/nodes/${plain}`, { hostname: 'c4-named' });
  const r = (await s.api('POST', '/api/v1/rules/rack-c4/apply', {})).body;
  const by = (id: string) => r.results.find((x: any) => x.nodeId === id);
  assert.equal(by(plain).outcome, 'applied');
  assert.equal((await node(plain)).target.path, '/srv/roots/c4-named', 'a host name an operator gave is kept and used');
  assert.equal(by(assigned).outcome, 'skipped');
  assert.deepEqual((await node(assigned)).target, { kind: 'local' });
  assert.match(by(retired).reason, /is retired/);
  assert.equal(by(unnamed).outcome, 'failed');
  assert.match(by(unnamed).reason, /target\.path: \{hostname\} cannot be filled: the node has no hostname/);
  assert.equal((await node(unnamed)).state, 'ready', 'a failed node is left as it was');
  const forced = (await s.api('POST', '/api/v1/rules/rack-c4/apply', { force: true, dryRun: true })).body;
  assert.equal(forced.results.find((x: any) => x.nodeId === assigned).outcome, 'failed', 'forced, the unnamed assigned node still cannot render {hostname}');
  await s.api('PATCH', `/api/v1/nodes/${assigned}`, { hostname: 'c4-assigned' });
  const real = (await s.api('POST', '/api/v1/rules/rack-c4/apply', { force: true })).body;
  assert.equal(real.results.find((x: any) => x.nodeId === assigned).outcome, 'applied');
  assert.equal((await node(assigned)).target.path, '/srv/roots/c4-assigned');
  assert.equal(real.results.find((x: any) => x.nodeId === retired).outcome, 'skipped', 'force never touches a retired node');
});

test('bad requests: unknown rule, a bad body, a template that can never render', async () => {
  assert.equal((await s.api('POST', '/api/v1/rules/nope/apply', {})).status, 404);
  await s.api('POST', '/api/v1/rules', { name: 'bodycheck', apply: {} });
  const bad = await s.api('POST', '/api/v1/rules/bodycheck/apply', { dryRun: 'yes' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.issues[0].path, 'dryRun');
  const tpl = await s.api('POST', '/api/v1/rules', { name: 'badtpl', apply: { target: { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/{rack}' } } });
  assert.equal(tpl.status, 400);
  assert.deepEqual([tpl.body.issues[0].path, /unknown placeholder \{rack\}/.test(tpl.body.issues[0].message)], ['apply.target.path', true]);
  assert.equal((await s.api('GET', '/api/v1/rules')).body.rules.some((r: any) => r.name === 'badtpl'), false);
});

test('a root bootherd makes for a rule\'s nfs-root is named after the hostname the same rule gives, on apply and on first inventory', async () => {
  const golden = path.join(s.dataDir, 'golden-e5');
  mkdirSync(path.join(golden, 'etc'), { recursive: true });
  writeFileSync(path.join(golden, 'etc', 'motd'), 'golden\n');
  const image = await s.api('PUT', '/api/v1/images/golden-e5', { arch: 'arm64', bootDir: path.join(s.dataDir, 'firmware'), kernel: 'kernel8.img', rootDir: golden });
  assert.equal(image.status < 300, true, JSON.stringify(image.body));
  // Rules of the tests before (one matches every node) would enrol the boards first.
  for (const r of (await s.api('GET', '/api/v1/rules')).body.rules) await s.api('DELETE', `/api/v1/rules/${r.id}`);
  const [early] = await rack('e5', 1);
  const rule = await s.api('POST', '/api/v1/rules', { name: 'rack-e5', match: { macPrefixes: ['dc:a6:32:e5'] }, apply: { hostname: 'e5-pi{seq:02}', target: { kind: 'nfs-root', image: 'golden-e5' } } });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  const applied = (await s.api('POST', '/api/v1/rules/rack-e5/apply', {})).body;
  assert.equal(applied.results[0].outcome, 'applied', JSON.stringify(applied));
  const late = (await s.api('POST', '/api/v1/discovery', piInventory('0000e502', 'dc:a6:32:e5:00:02'), { auth: null })).body.nodeId as string;
  for (const [id, hostname] of [[early!, 'e5-pi01'], [late, 'e5-pi02']] as const) {
    const n = await node(id);
    assert.equal(n.hostname, hostname);
    assert.deepEqual([n.root.path, n.target.path], [path.join(s.dataDir, 'roots', hostname), path.join(s.dataDir, 'roots', hostname)]);
    assert.equal(readFileSync(path.join(n.root.path, 'etc', 'motd'), 'utf8'), 'golden\n');
  }
});
