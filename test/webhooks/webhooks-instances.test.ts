// Webhooks with two real `bootherd serve` processes on one PostgreSQL, both
// configured with the same receiver: one instance delivers (its events and
// the other's), each event reaches the receiver once; when that instance is
// killed (-9) the other takes delivery over and events keep arriving.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { piInventory } from '../helpers/server.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startServe, type ServeProcess } from '../helpers/process.js';
import { until } from '../helpers/until.js';

const token = 'webhook-instances-admin-token-0123';
let db: TestPostgres;
let dir: string;
let server: http.Server;
const deliveries: Array<{ id: number; nodeId: string }> = [];
const procs: ServeProcess[] = [];

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-wh2-'));
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      deliveries.push({ id: Number(req.headers['x-bootherd-delivery']), nodeId: (JSON.parse(body) as { nodeId: string }).nodeId });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  db = await startPostgres();
});
after(async () => {
  for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) (p.proc.kill('SIGTERM'), await p.exited);
  await db?.destroy();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(name: string, url: string): Promise<ServeProcess> {
  const config = path.join(dir, `${name}.json`);
  const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  writeFileSync(config, JSON.stringify({ webhooks: [{ url: hook, events: ['*'], secret: 'webhook-instances-secret' }] }));
  const p = await startServe(['--config', config, '--store', url, '--instance', name, '--admin-token', token, '--data-dir', path.join(dir, name), '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'error']);
  procs.push(p);
  return p;
}
const get = async (srv: ServeProcess, p: string) => (await fetch(srv.url + p, { headers: { authorization: `Bearer ${token}` } })).text();
const owner = async (srv: ServeProcess) => Number(/^bootherd_webhook_owner\{webhook="0:[^"]+"\} (\d)$/m.exec(await get(srv, '/metrics'))?.[1]);
const discover = async (srv: ServeProcess, serial: string, mac: string) => {
  const r = await fetch(`${srv.url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(piInventory(serial, mac)) });
  assert.equal(r.status, 200);
  return ((await r.json()) as { nodeId: string }).nodeId;
};
const eventIds = async (srv: ServeProcess, nodeId: string) => ((JSON.parse(await get(srv, `/api/v1/events?after=0&limit=5000&node=${nodeId}`)) as { events: Array<{ id: number }> }).events).map((e) => e.id);
const delivered = (nodeId: string) => deliveries.filter((d) => d.nodeId === nodeId).map((d) => d.id);

test('one instance delivers each event once, the other\'s too; killed, the other takes delivery over', async () => {
  const url = await db.createDatabase('webhooks');
  const a = await serve('a', url);
  const b = await serve('b', url);
  assert.deepEqual([await owner(a), await owner(b)], [1, 0], 'A, started first, delivers; B stands by');

  const fromA = await discover(a, '3e0a0001', 'dc:a6:32:3e:00:01');
  const fromB = await discover(b, '3e0a0002', 'dc:a6:32:3e:00:02');
  for (const id of [fromA, fromB]) {
    const want = await eventIds(a, id);
    assert.ok(want.length >= 2);
    await until(`the events of ${id} delivered`, () => delivered(id).length >= want.length);
    assert.deepEqual(delivered(id).sort((x, y) => x - y), want, 'each event once, none twice');
  }

  a.proc.kill('SIGKILL');
  await a.exited;
  await until('B takes delivery over', async () => (await owner(b)) === 1);
  const after = await discover(b, '3e0a0003', 'dc:a6:32:3e:00:03');
  const want = await eventIds(b, after);
  await until('events after the takeover delivered', () => delivered(after).length >= want.length);
  assert.deepEqual(delivered(after).sort((x, y) => x - y), want, 'by B, each once');
});
