// Moving a registry from SQLite to PostgreSQL with the real commands:
// `bootherd store export` from a data dir, `bootherd store import` into
// PostgreSQL, then the API answers the same for every node; and `bootherd
// migrate` for operators who gate schema changes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { piInventory } from '../helpers/server.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { runCli, startServe, type ServeProcess } from '../helpers/process.js';

const token = 'transfer-test-admin-token-0123456789';
let db: TestPostgres;
let dir: string;
const running = new Set<ServeProcess>();
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-transfer-'));
  mkdirSync(path.join(dir, 'images', 'raspios'), { recursive: true });
  writeFileSync(path.join(dir, 'images', 'raspios', 'kernel8.img'), 'test kernel\n');
  db = await startPostgres();
});
after(async () => {
  // A test that failed half-way leaves its servers: stop them, or they keep the test process up.
  for (const p of running) (p.proc.kill('SIGTERM'), await p.exited);
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const serve = async (args: string[]) => {
  const p = await startServe([...args, '--admin-token', token, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'error']);
  running.add(p);
  void p.exited.then(() => running.delete(p));
  return p;
};
const stop = async (p: ServeProcess) => {
  p.proc.kill('SIGTERM');
  assert.equal(await p.exited, 0);
};
async function call(srv: ServeProcess, method: string, p: string, body?: unknown) {
  const res = await fetch(srv.url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag') };
}
const json = async (srv: ServeProcess, method: string, p: string, body?: unknown) => {
  const r = await call(srv, method, p, body);
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${r.text}`);
  return JSON.parse(r.text || 'null');
};

// A registry with rules and their sequences, images, a power controller with a secret, merged records, renames, targets, a rescue, a deleted node.
async function populate(srv: ServeProcess): Promise<void> {
  await json(srv, 'PUT', '/api/v1/power/controllers/sw1', { driver: 'snmp-poe', host: '10.0.0.2', community: 'transfer-sekrit' });
  await json(srv, 'POST', '/api/v1/rules', { name: 'rack1', priority: 10, match: { model: 'Pi 4' }, apply: { hostname: 'rack1-pi{seq:2}', labels: { rack: '1' }, sequenceStart: 3 } });
  await json(srv, 'POST', '/api/v1/rules', { name: 'lab', priority: 20, apply: { labels: { lab: 'yes' } } });
  await json(srv, 'PUT', '/api/v1/images/raspios', { cmdline: ['quiet'], kernel: 'kernel8.img', bootDir: path.join(dir, 'images', 'raspios') });
  await json(srv, 'PUT', '/api/v1/images/raspios', { cmdline: ['quiet', 'ro'], kernel: 'kernel8.img', bootDir: path.join(dir, 'images', 'raspios') });
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await json(srv, 'POST', '/api/v1/discovery', piInventory(`7a00000${i.toString(16)}`, `dc:a6:32:7a:00:0${i.toString(16)}`))).nodeId);
  // One board first seen by serial over HTTP boot, once by MAC over iPXE, then linked by its report: merged.
  assert.equal((await call(srv, 'GET', '/boot/7b000001/cmdline.txt')).status, 200);
  assert.equal((await call(srv, 'GET', '/ipxe?mac=dc:a6:32:7b:00:01')).status, 200);
  await json(srv, 'POST', '/api/v1/discovery', piInventory('7b000001', 'dc:a6:32:7b:00:01'));
  await json(srv, 'PATCH', `/api/v1/nodes/${ids[0]}`, { hostname: 'renamed-0', labels: { owner: 'ops', rack: null } });
  await json(srv, 'PUT', `/api/v1/nodes/${ids[1]}/target`, { kind: 'nfs-root', image: 'raspios', server: '10.0.0.1', path: '/srv/roots/pi1' });
  await json(srv, 'PUT', `/api/v1/nodes/${ids[2]}/target`, { kind: 'local' });
  await json(srv, 'POST', `/api/v1/nodes/${ids[2]}/actions/rescue`);
  await json(srv, 'PUT', `/api/v1/nodes/${ids[3]}/power`, { controller: 'sw1', port: '7' });
  await json(srv, 'POST', `/api/v1/nodes/${ids[4]}/actions/retire`);
  assert.equal((await call(srv, 'DELETE', `/api/v1/nodes/${ids[4]}`)).status, 204);
}

// Every answer an operator can read about the registry, as the API sends it.
async function answers(srv: ServeProcess): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const p of ['/api/v1/nodes', '/api/v1/rules', '/api/v1/images', '/api/v1/power/controllers', '/api/v1/events?limit=5000']) out[p] = (await call(srv, 'GET', p)).text;
  for (const n of JSON.parse(out['/api/v1/nodes'] as string).nodes as Array<{ id: string }>) {
    const node = await call(srv, 'GET', `/api/v1/nodes/${n.id}`);
    out[n.id] = [node.status, node.etag, node.text, (await call(srv, 'GET', `/api/v1/nodes/${n.id}/events?limit=5000`)).text];
  }
  return out;
}

test('store export from SQLite, then import into PostgreSQL: identical API answers for every node', async () => {
  const data = path.join(dir, 'sqlite');
  const first = await serve(['--data-dir', data, '--instance', 'rack1']);
  await populate(first);
  await stop(first);

  const file = path.join(dir, 'registry.jsonl');
  const exported = await runCli(['store', 'export', '--data-dir', data, '--out', file]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stderr, /^exported 12 nodes, \d+ events, 2 rules, 1 images, 1 power controllers from sqlite .*bootherd\.db to /m);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the archive holds secrets: only its owner may read it');
  assert.ok(readFileSync(file, 'utf8').includes('"community":"transfer-sekrit"'), 'a backup keeps the secrets the API never shows');
  const url = await db.createDatabase('moved');
  const imported = await runCli(['store', 'import', file, '--store', url, '--data-dir', path.join(dir, 'pg')]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /^imported 12 nodes, \d+ events, 2 rules, 1 images, 1 power controllers into postgresql postgres:\/\/bootherd@127\.0\.0\.1:\d+\/moved$/m);
  const [moved] = await db.query<{ driver: string; doc: Record<string, unknown> }>('SELECT driver, doc FROM power_controllers', [], 'moved');
  assert.deepEqual([moved?.driver, moved?.doc.community], ['snmp-poe', 'transfer-sekrit'], 'the controller moved with its secret');

  const [fromSqlite, fromPg] = [await serve(['--data-dir', data]), await serve(['--store', url, '--data-dir', path.join(dir, 'pg')])];
  try {
    const [want, got] = [await answers(fromSqlite), await answers(fromPg)];
    assert.equal(Object.keys(want).length, 5 + 12);
    assert.match(String(want['/api/v1/power/controllers']), /"name":"sw1"/);
    assert.doesNotMatch(JSON.stringify(got), /transfer-sekrit/, 'the API still never shows the secret');
    assert.deepEqual(got, want);
    assert.ok(Object.values(want).flat().some((text) => String(text).includes('"instance":"rack1"')), 'events keep the instance that wrote them');
    // The moved registry goes on: new events continue after the imported ids.
    const id = JSON.parse((await call(fromPg, 'GET', '/api/v1/nodes?limit=1')).text).nodes[0].id as string;
    const before = await json(fromPg, 'GET', `/api/v1/nodes/${id}/events?limit=5000`);
    await json(fromPg, 'PATCH', `/api/v1/nodes/${id}`, { labels: { moved: 'yes' } });
    const afterEvents = (await json(fromPg, 'GET', `/api/v1/nodes/${id}/events?limit=5000`)).events as Array<{ id: number }>;
    const records = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; event?: { id: number } });
    const maxImported = Math.max(...records.filter((r) => r.type === 'event').map((r) => r.event!.id));
    assert.ok(afterEvents.length > before.events.length && afterEvents.at(-1)!.id > maxImported);
  } finally {
    await stop(fromSqlite);
    await stop(fromPg);
  }

  const again = await runCli(['store', 'import', file, '--store', url]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /store import: the target store is not empty \(12 nodes, \d+ events, 2 rules, 1 images, 1 power controllers\); import only into an empty store/);
});

test('a truncated archive is refused, naming the line, and imports nothing', async () => {
  const data = path.join(dir, 'small');
  const srv = await serve(['--data-dir', data]);
  await json(srv, 'POST', '/api/v1/discovery', piInventory('7c000001', 'dc:a6:32:7c:00:01'));
  await stop(srv);
  const out = await runCli(['store', 'export', '--data-dir', data]);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trimEnd().split('\n');
  const file = path.join(dir, 'truncated.jsonl');
  writeFileSync(file, lines.slice(0, -1).join('\n') + '\n');
  const url = await db.createDatabase('truncated');
  const r = await runCli(['store', 'import', file, '--store', url]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^bootherd: store import: line ${lines.length - 1}: the archive ends without its end line: it is truncated$`, 'm'));
  assert.deepEqual(await db.query('SELECT (SELECT count(*)::int FROM nodes) AS nodes, (SELECT count(*)::int FROM events) AS events', [], 'truncated'), [{ nodes: 0, events: 0 }]);
});

test("bootherd migrate applies the schema once; with store.autoMigrate false serve refuses a schema that is behind, naming 'bootherd migrate'", async () => {
  const url = await db.createDatabase('gated');
  const config = path.join(dir, 'gated.yaml');
  writeFileSync(config, `store:\n  url: ${url}\n  autoMigrate: false\ndataDir: ${path.join(dir, 'gated')}\n`);
  const refused = await runCli(['serve', '--config', config, '--http', '127.0.0.1:0', '--no-tftp']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /the database needs schema migrations 1, 2 and store.autoMigrate is false: run 'bootherd migrate'/);
  const m = await runCli(['migrate', '--config', config]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /^migrated postgresql postgres:\/\/bootherd@127\.0\.0\.1:\d+\/gated: applied 1, 2; schema now at 1, 2$/m);
  assert.match((await runCli(['migrate', '--config', config])).stdout, /gated: schema up to date \(1, 2\)$/m);
  const srv = await serve(['--config', config]);
  assert.match(srv.output(), /store: postgresql postgres:\/\/bootherd@127\.0\.0\.1:\d+\/gated \(instance [^)]+\)/);
  await stop(srv);
  const sqlite = await runCli(['migrate', '--data-dir', path.join(dir, 'fresh-sqlite')]);
  assert.match(sqlite.stdout, /^migrated sqlite .*bootherd\.db: applied 1, 2, 3, 4, 5; schema now at 1, 2, 3, 4, 5$/m);
});
