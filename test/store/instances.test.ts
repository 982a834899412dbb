// Two real `bootherd serve` processes on one real PostgreSQL, as two racks'
// bootherds sharing one registry: TFTP on one and the API on the other agree,
// one ETag wins once across both, the database restarting answers 503 and
// then recovers, B's event stream shows A's events (also after the restart),
// and kill -9 during a discovery storm loses no acknowledged write.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { piInventory } from '../helpers/server.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startServe, type ServeProcess } from '../helpers/process.js';
import { openSse } from '../helpers/sse.js';
import { tftpGet } from '../helpers/tftp-client.js';

const token = 'instances-test-admin-token-0123456789';
let db: TestPostgres;
let url: string;
let dir: string;
let a: ServeProcess;
let b: ServeProcess;
const procs: ServeProcess[] = [];

// Stream heartbeats (which also make a follower read the store) an hour apart: only a notification wakes a stream.
const serve = async (name: string) => {
  const p = await startServe(['--config', path.join(dir, 'config.json'), '--store', url, '--instance', name, '--admin-token', token, '--data-dir', path.join(dir, name), '--http', '127.0.0.1:0', '--tftp', '127.0.0.1:0', '--firmware-dir', path.join(dir, 'firmware'), '--log-level', 'error']);
  procs.push(p);
  return p;
};

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-instances-'));
  mkdirSync(path.join(dir, 'firmware'));
  writeFileSync(path.join(dir, 'firmware', 'start4.elf'), Buffer.alloc(4096, 1));
  writeFileSync(path.join(dir, 'firmware', 'kernel8.img'), 'test kernel\n');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ events: { heartbeatSeconds: 3600 } }));
  db = await startPostgres();
  url = await db.createDatabase('registry');
  [a, b] = await Promise.all([serve('a'), serve('b')]);
});
after(async () => {
  for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) (p.proc.kill('SIGTERM'), await p.exited);
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function api(srv: ServeProcess, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(srv.url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as any, headers: res.headers };
}
const tftpText = async (srv: ServeProcess, file: string) => {
  const r = await tftpGet({ host: '127.0.0.1', port: srv.tftpPorts[0]!, path: file, options: { tsize: '0', blksize: '1024' }, timeoutMs: 20_000 });
  assert.equal(r.error, null, `${file}: ${JSON.stringify(r.error)}`);
  return r.data.toString();
};

test("a node enrolled over instance A's TFTP, retargeted through B's API, boots B's target through A", async () => {
  const serial = '5e0a0001';
  const first = await tftpText(a, `${serial}/cmdline.txt`);
  assert.match(first, /bootherd\.mode=discovery/);
  const listed = await api(b, 'GET', `/api/v1/nodes?serial=${serial}`);
  assert.equal(listed.body.nodes.length, 1, 'B sees the node A enrolled');
  const id = listed.body.nodes[0].id as string;
  const put = await api(b, 'PUT', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/rack2-pi01' });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const next = await tftpText(a, `${serial}/cmdline.txt`);
  assert.match(next, /root=\/dev\/nfs nfsroot=10\.0\.0\.1:\/srv\/roots\/rack2-pi01,vers=3 /);
  const events = (await api(a, 'GET', `/api/v1/nodes/${id}/events`)).body.events as Array<{ kind: string; instance: string }>;
  assert.equal(events.find((e) => e.kind === 'seen')?.instance, 'a', 'the enrollment is on record as A\'s');
  assert.ok(events.some((e) => e.instance === 'b'), "the assignment is on record as B's");
  for (const [srv, name] of [[a, 'a'], [b, 'b']] as const) {
    assert.match((await api(srv, 'GET', '/metrics')).body, new RegExp(`^bootherd_instance_info\\{name="${name}",store="postgresql"\\} 1$`, 'm'));
  }
});

test('concurrent PUTs with one ETag on A and on B: exactly one wins, the other gets 412', async () => {
  const enrolled = await api(a, 'POST', '/api/v1/discovery', piInventory('5e0a0002', 'dc:a6:32:5e:00:02'));
  const id = enrolled.body.nodeId as string;
  for (let round = 0; round < 6; round++) {
    const etag = (await api(a, 'GET', `/api/v1/nodes/${id}`)).headers.get('etag')!;
    const [ra, rb] = await Promise.all([
      api(a, 'PUT', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: `/srv/a-${round}` }, { 'if-match': etag }),
      api(b, 'PUT', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: `/srv/b-${round}` }, { 'if-match': etag }),
    ]);
    assert.deepEqual([ra.status, rb.status].sort(), [200, 412], `round ${round}: ${ra.status} ${rb.status}`);
    const winner = ra.status === 200 ? 'a' : 'b';
    const now = (await api(b, 'GET', `/api/v1/nodes/${id}`)).body;
    assert.equal(now.target.path, `/srv/${winner}-${round}`, 'the stored target is the winner\'s');
    assert.equal((ra.status === 412 ? ra : rb).body.error, 'version-mismatch');
  }
});

test('the database restarting mid-request answers 503 with a clear message, writes nothing, and later requests succeed', async () => {
  const id = (await api(a, 'POST', '/api/v1/discovery', piInventory('5e0a0003', 'dc:a6:32:5e:00:03'))).body.nodeId as string;
  const before = (await api(a, 'GET', `/api/v1/nodes/${id}`)).body;
  // Hold the node's row so A's write is in flight inside the database when it goes down.
  const holder = new pg.Client({ connectionString: url });
  holder.on('error', () => undefined);
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT 1 FROM nodes WHERE id = $1 FOR UPDATE', [id]);
  const pending = api(a, 'PUT', `/api/v1/nodes/${id}/target`, { kind: 'local' });
  for (let i = 0; ; i++) {
    const waiting = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'bootherd a' AND wait_event_type = 'Lock'");
    if (waiting[0]!.n > 0) break;
    assert.ok(i < 400, "A's write never reached the database");
    await new Promise((r) => setTimeout(r, 25));
  }
  await db.stop();
  const cut = await pending;
  assert.equal(cut.status, 503);
  assert.equal(cut.body.error, 'store-unavailable');
  assert.match(cut.body.message, /^store unavailable: .*the database cannot be reached .*nothing was changed, try again once it is back$/);
  assert.ok(Number(cut.headers.get('retry-after')) > 0, 'Retry-After tells clients when to come back');
  const down = await api(b, 'GET', `/api/v1/nodes/${id}`);
  assert.deepEqual([down.status, down.body.error], [503, 'store-unavailable'], 'requests while it is down: 503, no crash');
  await holder.end().catch(() => undefined);
  await db.start();
  const afterRestart = await api(a, 'GET', `/api/v1/nodes/${id}`);
  assert.equal(afterRestart.status, 200);
  assert.deepEqual(afterRestart.body, before, 'the cut request wrote nothing');
  const again = await api(a, 'PUT', `/api/v1/nodes/${id}/target`, { kind: 'local' });
  assert.equal(again.status, 200);
  assert.equal((await api(b, 'GET', `/api/v1/nodes/${id}`)).body.state, 'deployed');
});

test("B's event stream shows the events A writes (a TFTP enrollment), woken by A's notification, also after the database restarted", async () => {
  const stream = await openSse(`${b.url}/api/v1/events?follow=1`, { authorization: `Bearer ${token}` });
  try {
    assert.equal(stream.status, 200);
    await stream.waitFor(() => stream.comments.some((c) => c.startsWith('events after')), 20_000, 'the stream set up');
    for (const serial of ['5e0a0011', '5e0a0012']) {
      await tftpText(a, `${serial}/start4.elf`);
      const node = (await api(a, 'GET', `/api/v1/nodes/${serial}`)).body as { id: string };
      await stream.waitFor((ms) => ms.some((m) => JSON.parse(m.data).nodeId === node.id), 60_000, `A's events for ${serial} on B's stream`);
      const ours = stream.messages.map((m) => JSON.parse(m.data) as { id: number; nodeId: string; kind: string; instance: string }).filter((e) => e.nodeId === node.id);
      assert.equal(ours[0]!.kind, 'seen');
      assert.ok(ours.every((e) => e.instance === 'a'), 'written by A');
    }
    const ids = stream.messages.map((m) => Number(m.id));
    assert.deepEqual(ids, [...new Set(ids)].sort((x, y) => x - y), 'in id order, none twice');
  } finally {
    stream.close();
  }
});

test('kill -9 of A during a discovery storm loses no acknowledged write, and leaves no half-written node', async () => {
  const acked: Array<{ i: number; id: string }> = [];
  let next = 0;
  let killed = false;
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  const worker = async () => {
    while (next < 600) {
      const i = next++;
      const inv = piInventory(`5e1${i.toString(16).padStart(5, '0')}`, `dc:a6:32:5f:${hex(i >> 8)}:${hex(i & 0xff)}`);
      const r = await fetch(`${a.url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inv) }).catch(() => null);
      if (r?.status === 200) acked.push({ i, id: ((await r.json()) as { nodeId: string }).nodeId });
      if (acked.length >= 150 && !killed) {
        killed = true;
        a.proc.kill('SIGKILL');
      }
      if (!r) return;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.ok(killed && (await a.exited) === null, 'A was killed by the signal mid-storm');
  assert.ok(acked.length >= 150);
  for (const { i, id } of acked) {
    const node = await api(b, 'GET', `/api/v1/nodes/${id}`);
    assert.equal(node.status, 200, `acknowledged discovery ${i} (${id}) lost`);
    assert.equal(node.body.hardware.model, 'Raspberry Pi 4 Model B Rev 1.1');
  }
  const { nodes } = (await api(b, 'GET', '/api/v1/nodes?limit=10000')).body as { nodes: Array<{ id: string; hardware: { model: string | null } }> };
  for (const n of nodes) {
    const kinds = ((await api(b, 'GET', `/api/v1/nodes/${n.id}/events`)).body.events as Array<{ kind: string }>).map((e) => e.kind);
    assert.ok(kinds.includes('seen'), `${n.id}: a node without its enrollment event`);
    assert.equal(kinds.includes('inventory'), n.hardware.model !== null, `${n.id}: inventory on the record and in the events disagree`);
  }
  a = await serve('a');
  assert.equal((await api(a, 'GET', `/api/v1/nodes/${acked[0]!.id}`)).status, 200, 'A comes back on the same registry');
});
