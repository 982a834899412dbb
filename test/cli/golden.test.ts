// Golden outputs of the CLI (tables, JSON, YAML, help) from a seeded real
// server with a fixed clock, run as a real `bootherd` process. Node and rule
// ids are random, so they are masked as <id:NAME>.
// Regenerate after an intended change: UPDATE_GOLDEN=1 npm test
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertGolden } from '../helpers/golden.js';
import { runCli } from '../helpers/process.js';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let t = Date.parse('2025-03-01T10:00:00.000Z');
const tick = (seconds: number) => (t += seconds * 1000);
const masks = new Map<string, string>();

async function seed(): Promise<void> {
  for (let i = 1; i <= 6; i++) {
    const r = await s.api('POST', '/api/v1/discovery', piInventory(`0000f00${i}`, `dc:a6:32:00:f0:0${i}`), { auth: null });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    tick(30);
  }
  assert.equal((await fetch(`${s.url}/ipxe?mac=52-54-00-12-34-56&uuid=&serial=&buildarch=x86_64&platform=efi`)).status, 200);
  tick(30);
  const rack1 = { name: 'rack1', priority: 10, match: { serials: ['0000f001', '0000f002', '0000f003'] }, apply: { hostname: 'rack1-pi{seq:02}', labels: { rack: 'r1' }, target: { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/{hostname}' } } };
  assert.equal((await s.api('POST', '/api/v1/rules', rack1)).status, 201);
  assert.equal((await s.api('POST', '/api/v1/rules/rack1/apply', {})).status, 200);
  tick(60);
  await s.api('POST', '/api/v1/rules', { name: 'rack2', match: { serials: ['0000f006'] }, apply: { hostname: 'rack2-pi{seq:02}', labels: { rack: 'r2' } } });
  await s.api('PATCH', '/api/v1/nodes/0000f004', { hostname: 'spare-01', labels: { pool: 'spare' } });
  await s.api('POST', '/api/v1/nodes/0000f005/actions/retire');
  tick(60);
  // A boot over HTTP gives the node boot telemetry; wait until it is stored.
  const before = (await s.api('GET', '/api/v1/nodes/0000f001')).body.version;
  const boot = await fetch(`${s.url}/boot/0000f001/cmdline.txt`);
  assert.equal(boot.status, 200);
  await boot.text();
  for (let i = 0; i < 200 && (await s.api('GET', '/api/v1/nodes/0000f001')).body.version === before; i++) await new Promise((r) => setTimeout(r, 50));
  // No bootDir: bootherd refuses one that does not exist, and a temp dir would not be golden.
  const img = await s.api('PUT', '/api/v1/images/raspios-lite', { arch: 'arm64', kernel: 'kernel8.img', cmdline: ['console=serial0,115200'], disk: { url: 'http://10.0.0.1/raspios-lite.img.xz', sha256: 'ab'.repeat(32), sizeBytes: 2147483648 } });
  assert.equal(img.status, 200, JSON.stringify(img.body));
  for (const n of (await s.api('GET', '/api/v1/nodes')).body.nodes) masks.set(n.id, `<id:${n.hostname ?? n.identity.serial ?? n.identity.macs[0]}>`);
  for (const r of (await s.api('GET', '/api/v1/rules')).body.rules) masks.set(r.id, `<rule:${r.name}>`);
}

before(async () => {
  s = await startTestServer({}, { now: () => new Date(t) });
  await seed();
});
after(async () => s.stop());

async function cli(...args: string[]): Promise<string> {
  const r = await runCli([...args, '--url', s.url, '--admin-token', s.token]);
  assert.equal(r.code, 0, `bootherd ${args.join(' ')}: ${r.stderr}`);
  let out = r.stdout;
  for (const [id, mask] of masks) out = out.replaceAll(id, mask);
  return out;
}

async function help(...args: string[]): Promise<string> {
  const r = await runCli([...args, '--help']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('nodes list: table, wide, --all, JSON', async () => {
  const table = await cli('nodes', 'list');
  assertGolden('cli', 'nodes-list.txt', table);
  assert.doesNotMatch(table, /retired/, 'retired nodes are hidden without --all');
  assertGolden('cli', 'nodes-list-wide.txt', await cli('nodes', 'list', '-o', 'wide'));
  assertGolden('cli', 'nodes-list-all.txt', await cli('nodes', 'list', '--all'));
  const json = await cli('nodes', 'list', '-o', 'json');
  assertGolden('cli', 'nodes-list.json', json);
  assert.deepEqual(JSON.parse(json).map((n: { hostname: string | null }) => n.hostname), ['rack1-pi01', 'rack1-pi02', 'rack1-pi03', 'spare-01', null, null], 'sorted by hostname, unnamed last');
});

test('nodes show: table by default, JSON and YAML', async () => {
  assertGolden('cli', 'nodes-show.txt', await cli('nodes', 'show', 'rack1-pi01'));
  assertGolden('cli', 'nodes-show.json', await cli('nodes', 'show', 'rack1-pi01', '-o', 'json'));
  assertGolden('cli', 'nodes-show.yaml', await cli('nodes', 'show', 'rack1-pi01', '-o', 'yaml'));
  assertGolden('cli', 'nodes-events.txt', await cli('nodes', 'events', 'rack1-pi01'));
});

test('rules and images: list, show, apply --dry-run', async () => {
  assertGolden('cli', 'rules-list.txt', await cli('rules', 'list'));
  assertGolden('cli', 'rules-list.json', await cli('rules', 'list', '-o', 'json'));
  assertGolden('cli', 'rules-show.txt', await cli('rules', 'show', 'rack1'));
  assertGolden('cli', 'rules-apply-dry-run.txt', await cli('rules', 'apply', 'rack2', '--dry-run'));
  assertGolden('cli', 'images-list.txt', await cli('images', 'list'));
  assertGolden('cli', 'images-show.txt', await cli('images', 'show', 'raspios-lite'));
});

test('help: top level, a group, and commands', async () => {
  assertGolden('cli', 'help.txt', await help());
  assertGolden('cli', 'help-nodes.txt', await help('nodes'));
  assertGolden('cli', 'help-nodes-list.txt', await help('nodes', 'list'));
  assertGolden('cli', 'help-nodes-show.txt', await help('nodes', 'show'));
  assertGolden('cli', 'help-nodes-action.txt', await help('nodes', 'action'));
  assertGolden('cli', 'help-rules-apply.txt', await help('rules', 'apply'));
});
