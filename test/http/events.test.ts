import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseMessage } from '../helpers/sse.js';

let s: TestServer;
let confDir: string;
before(async () => {
  confDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-events-conf-'));
  const file = path.join(confDir, 'config.json');
  writeFileSync(file, JSON.stringify({ events: { heartbeatSeconds: 0.2, clientBufferBytes: 256 * 1024, stallSeconds: 1 } }));
  s = await startTestServer({ config: file });
});
after(async () => {
  await s.stop();
  rmSync(confDir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${s.token}` });
const ids = (ms: SseMessage[]) => ms.map((m) => Number(m.id));
const parsed = (ms: SseMessage[]) => ms.map((m) => JSON.parse(m.data) as { id: number; nodeId: string; kind: string; data: Record<string, unknown> });

async function enroll(serial: string, mac: string, labels: Record<string, string> = {}): Promise<string> {
  const r = await s.api('POST', '/api/v1/discovery', piInventory(serial, mac), { auth: null });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  if (Object.keys(labels).length) assert.equal((await s.api('PATCH', `/api/v1/nodes/${r.body.nodeId}`, { labels })).status, 200);
  return r.body.nodeId as string;
}

/** Every event id in the store after `afterId`, read page by page through the JSON API. */
async function allIdsAfter(afterId: number, query = ''): Promise<number[]> {
  const out: number[] = [];
  for (let cursor = afterId; ; ) {
    const page = await s.api('GET', `/api/v1/events?after=${cursor}&limit=50${query}`);
    assert.equal(page.status, 200);
    out.push(...page.body.events.map((e: { id: number }) => e.id));
    if (page.body.events.length < 50) return out;
    cursor = page.body.next;
  }
}

test('a client that disconnects and resumes with Last-Event-ID (or ?after=) sees every event exactly once, in order', async () => {
  const node = await enroll('0000e001', 'dc:a6:32:00:e0:01');
  const start = (await s.api('GET', '/api/v1/events?limit=1')).body.next as number;
  const first = await openSse(`${s.url}/api/v1/events?follow=1&after=${start}`, auth());
  assert.equal(first.status, 200);
  assert.match(String(first.headers['content-type']), /^text\/event-stream/);
  // A writer that keeps changing the node while the client comes and goes.
  let writes = 0;
  const writer = (async () => {
    for (; writes < 90; writes++) assert.equal((await s.api('PATCH', `/api/v1/nodes/${node}`, { labels: { step: String(writes) } })).status, 200);
  })();
  await first.waitFor((m) => m.length >= 15, 60_000, '15 events before the disconnect');
  first.close();
  const seen1 = ids(first.messages);
  const resumed = await openSse(`${s.url}/api/v1/events?follow=1`, { ...auth(), 'last-event-id': String(seen1[seen1.length - 1]) });
  await resumed.waitFor(() => writes >= 40, 60_000, 'the writer to go on');
  resumed.close();
  const seen2 = ids(resumed.messages);
  // A client that cannot set headers resumes with ?after=.
  const third = await openSse(`${s.url}/api/v1/events?follow=1&after=${seen2[seen2.length - 1] ?? seen1[seen1.length - 1]}`, auth());
  await writer;
  const all = await allIdsAfter(start);
  assert.equal(all.length, 90, 'every PATCH is one event');
  await third.waitFor((m) => ids(m).includes(all[all.length - 1]!), 60_000, 'the last event on the third connection');
  third.close();
  const got = [...seen1, ...seen2, ...ids(third.messages)];
  assert.deepEqual(got, all, 'the three connections together saw every event once, in id order');
  const kinds = new Set(parsed(first.messages).map((e) => e.kind));
  assert.deepEqual([...kinds], ['updated']);
});

test('stream and page filters: node, kind, label', async () => {
  const a = await enroll('0000e002', 'dc:a6:32:00:e0:02', { rack: 'r7' });
  const b = await enroll('0000e003', 'dc:a6:32:00:e0:03', { rack: 'r8' });
  const head = (await s.api('GET', '/api/v1/events?limit=1')).body.next as number;
  const byNode = await openSse(`${s.url}/api/v1/events?follow=1&node=0000e002`, auth());
  const byKind = await openSse(`${s.url}/api/v1/events?follow=1&kind=transition`, auth());
  const byLabel = await openSse(`${s.url}/api/v1/events?follow=1&label=rack%3Dr8`, auth());
  assert.equal((await s.api('PATCH', `/api/v1/nodes/${a}`, { hostname: 'filter-a' })).status, 200);
  assert.equal((await s.api('PUT', `/api/v1/nodes/${b}/target`, { kind: 'local' })).status, 200);
  assert.equal((await s.api('PATCH', `/api/v1/nodes/${b}`, { hostname: 'filter-b' })).status, 200);
  await byNode.waitFor((m) => m.length >= 1, 60_000, 'node A updated');
  await byKind.waitFor((m) => m.length >= 1, 60_000, 'B transition');
  await byLabel.waitFor((m) => m.length >= 2, 60_000, 'two events of rack r8');
  // One more event for A, so that nothing more arriving on the others is a real "nothing".
  assert.equal((await s.api('PATCH', `/api/v1/nodes/${a}`, { labels: { rack: 'r7', x: '1' } })).status, 200);
  await byNode.waitFor((m) => m.length >= 2, 60_000, 'node A updated again');
  for (const c of [byNode, byKind, byLabel]) c.close();
  assert.deepEqual(parsed(byNode.messages).map((e) => [e.nodeId, e.kind]), [[a, 'updated'], [a, 'updated']]);
  assert.deepEqual(parsed(byKind.messages).map((e) => [e.nodeId, e.kind, e.data.to]), [[b, 'transition', 'deployed']]);
  assert.deepEqual(parsed(byLabel.messages).map((e) => [e.nodeId, e.kind]), [[b, 'transition'], [b, 'updated']]);
  const page = await s.api('GET', `/api/v1/events?after=${head}&kind=updated,transition&label=rack=r8`);
  assert.deepEqual(page.body.events.map((e: { kind: string }) => e.kind), ['transition', 'updated']);
});

test('the JSON page: newest events, paging with next, and clear refusals', async () => {
  await enroll('0000e004', 'dc:a6:32:00:e0:04');
  const newest = await s.api('GET', '/api/v1/events?limit=3');
  assert.equal(newest.body.events.length, 3);
  const [x, y, z] = newest.body.events.map((e: { id: number }) => e.id);
  assert.ok(x < y && y < z, 'oldest first');
  assert.equal(newest.body.next, z);
  assert.deepEqual((await s.api('GET', `/api/v1/events?after=${z}`)).body, { events: [], next: z });
  assert.equal((await s.api('GET', '/api/v1/events', undefined, { auth: null })).status, 401);
  assert.equal((await s.api('GET', '/api/v1/events?follow=1', undefined, { auth: null })).status, 401);
  assert.equal((await s.api('GET', '/api/v1/events?kind=<script>')).status, 400);
  assert.equal((await s.api('GET', '/api/v1/events?after=-1')).status, 400);
  assert.equal((await s.api('GET', '/api/v1/events?follow=1', undefined, { headers: { 'last-event-id': 'abc' } })).status, 400);
  assert.equal((await s.api('GET', '/api/v1/events?node=no-such-node')).status, 404);
});

test('heartbeat comments arrive while nothing happens', async () => {
  const c = await openSse(`${s.url}/api/v1/events?follow=1&kind=never-happens`, auth());
  await c.waitFor(() => c.comments.filter((x) => x === 'ping').length >= 2, 60_000, 'two heartbeats');
  c.close();
});

test('a client that never reads is cut off, and the server does not keep what it could not send', async () => {
  const node = await enroll('0000e005', 'dc:a6:32:00:e0:05');
  // A second writer on the same database (as another bootherd would be): the stream finds its events from the store.
  const other = createSqliteStore(path.join(s.dataDir, 'bootherd.db'));
  const sock = net.connect(s.running.http.port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(`GET /api/v1/events?follow=1&node=${node} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${s.token}\r\n\r\n`);
  let received = 0;
  sock.once('data', (d: Buffer) => ((received += d.length), sock.pause()));
  const big = 'x'.repeat(32 * 1024);
  let written = 0;
  const cutoffs = async () => Number(/^bootherd_event_stream_cutoffs_total\{reason="(?:buffer|stalled)"\} (\d+)$/m.exec((await s.api('GET', '/metrics')).body)?.[1] ?? 0);
  try {
    for (let round = 0; round < 40 && (await cutoffs()) === 0; round++) {
      await other.appendEvents(node, Array.from({ length: 64 }, (_, i) => ({ kind: 'bulk', data: { i, big } })), new Date().toISOString());
      written += 64 * big.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    for (let i = 0; i < 100 && (await cutoffs()) === 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.equal(await cutoffs(), 1, 'the stream was cut off');
    const gauge = /^bootherd_event_stream_clients (\d+)$/m.exec((await s.api('GET', '/metrics')).body)?.[1];
    assert.equal(gauge, '0');
    // Now read what the kernel had buffered: the stream ends, far short of what was written.
    sock.on('data', (d: Buffer) => (received += d.length));
    sock.resume();
    await new Promise<void>((r) => sock.once('close', () => r()));
    assert.ok(received < written / 2, `received ${received} of ${written} bytes: the server dropped the client instead of buffering`);
  } finally {
    sock.destroy();
    await other.close();
  }
});
