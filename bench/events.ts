// npm run bench:events — events/s the SSE stream of a real `bootherd serve`
// delivers to 50 clients, measured two ways, each beside its reference in the
// same run (paired rounds, medians):
//  live:     writers PATCH nodes (one event each) while C clients follow;
//            reference: the same writes with no client connected;
//  catch-up: C clients replay a stored backlog from ?after=0 to its end;
//            reference: one client alone.
// Also: delivery lag (PATCH answered -> event received), server CPU and RSS.
// Options: --clients C (50), --events N (2000), --backlog B (50000), --rounds R (3).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newNode } from '../src/core/enroll.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import { startServe, type ServeProcess } from '../test/helpers/process.js';
import { openSse, type SseClient } from '../test/helpers/sse.js';
import { rssMiB } from './load.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '50' }, events: { type: 'string', default: '2000' }, backlog: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '3' } } });
const clients = Number(values.clients);
const perRound = Number(values.events);
const backlog = Number(values.backlog);
const rounds = Number(values.rounds);
const writers = 8;

const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

/** Seeds nodes and a backlog of events straight into the database, before bootherd starts. */
async function seed(file: string): Promise<string[]> {
  const store = createSqliteStore(file);
  const at = new Date().toISOString();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const n = newNode({ serial: (0xbe000000 + i).toString(16) }, at, null);
    await store.createNode(n, [], at);
    ids.push(n.id);
  }
  for (let done = 0; done < backlog; done += 1000) await store.appendEvents(ids[done % ids.length]!, Array.from({ length: Math.min(1000, backlog - done) }, (_, k) => ({ kind: 'backlog', data: { k: done + k, note: 'x'.repeat(100) } })), at);
  await store.close();
  return ids;
}

async function openClients(srv: ServeProcess, token: string, n: number, after: number): Promise<SseClient[]> {
  const out: SseClient[] = [];
  for (let c = 0; c < n; c++) out.push(await openSse(`${srv.url}/api/v1/events?follow=1&after=${after}`, { authorization: `Bearer ${token}` }));
  return out;
}

/** One live round: N PATCHes from `writers` loops while `n` clients follow; seconds until every client has every event. */
async function liveRound(srv: ServeProcess, token: string, ids: string[], tag: string, n: number) {
  const call = (method: string, p: string, body?: unknown) => fetch(srv.url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const head = ((await (await call('GET', '/api/v1/events?limit=1')).json()) as { next: number }).next;
  const conns = await openClients(srv, token, n, head);
  const acked = new Map<string, number>();
  const cpu0 = cpuSeconds(srv.proc.pid!);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: writers }, async () => {
    while (next < perRound) {
      const k = next++;
      const res = await call('PATCH', `/api/v1/nodes/${ids[k % ids.length]}`, { labels: { seq: `${tag}-${k}` } });
      await res.arrayBuffer();
      acked.set(`${tag}-${k}`, performance.now());
    }
  }));
  const written = performance.now();
  await Promise.all(conns.map((c) => c.waitFor((m) => m.length >= perRound, 600_000, 'every event')));
  const done = performance.now();
  const lags: number[] = [];
  for (const c of conns) {
    for (const m of c.messages) {
      const ack = acked.get((JSON.parse(m.data) as { data: { labels?: { seq?: string } } }).data.labels?.seq ?? '');
      if (ack !== undefined) lags.push(m.at - ack);
    }
    c.close();
  }
  return { writeRate: perRound / ((written - t0) / 1000), deliverRate: (perRound * n) / ((done - t0) / 1000), cpu: cpuSeconds(srv.proc.pid!) - cpu0, lags, rss: rssMiB(srv.proc.pid!) };
}

/** One catch-up round: `n` clients read the whole backlog from after=0. */
async function catchUpRound(srv: ServeProcess, token: string, n: number) {
  const cpu0 = cpuSeconds(srv.proc.pid!);
  const t0 = performance.now();
  const conns = await openClients(srv, token, n, 0);
  await Promise.all(conns.map((c) => c.waitFor((m) => m.length >= backlog, 600_000, 'the whole backlog')));
  const seconds = (performance.now() - t0) / 1000;
  const rss = rssMiB(srv.proc.pid!);
  const bytes = conns.reduce((a, c) => a + c.bytes(), 0);
  for (const c of conns) c.close();
  return { rate: (backlog * n) / seconds, perClient: backlog / seconds, cpu: cpuSeconds(srv.proc.pid!) - cpu0, rss, mib: bytes / 1048576 };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-events-'));
  const ids = await seed(path.join(dataDir, 'bootherd.db'));
  const srv = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  try {
    console.log(`bench:events  node ${process.version}, ${os.cpus().length} cores, loopback; clients and writers share this process; SQLite WAL synchronous=FULL`);
    const live: Array<Awaited<ReturnType<typeof liveRound>>> = [];
    const alone: Array<Awaited<ReturnType<typeof liveRound>>> = [];
    const many: Array<Awaited<ReturnType<typeof catchUpRound>>> = [];
    const one: Array<Awaited<ReturnType<typeof catchUpRound>>> = [];
    for (let r = 0; r < rounds; r++) {
      alone.push(await liveRound(srv, token, ids, `a${r}`, 0));
      live.push(await liveRound(srv, token, ids, `l${r}`, clients));
      one.push(await catchUpRound(srv, token, 1));
      many.push(await catchUpRound(srv, token, clients));
    }
    const lags = live.flatMap((x) => x.lags);
    const m = (xs: number[]) => median(xs).toFixed(0);
    console.log(`live, ${perRound} events a round by ${writers} writers (PATCH), ${rounds} rounds, medians:`);
    console.log(`  writes with no client:      ${m(alone.map((x) => x.writeRate))} events/s  (reference)`);
    console.log(`  writes with ${clients} clients:     ${m(live.map((x) => x.writeRate))} events/s  ratio ${(median(live.map((x) => x.writeRate)) / median(alone.map((x) => x.writeRate))).toFixed(2)}`);
    console.log(`  delivered to ${clients} clients:    ${m(live.map((x) => x.deliverRate))} events/s in all (${(median(live.map((x) => x.deliverRate)) / clients).toFixed(0)} per client), every client got every event`);
    console.log(`  lag, PATCH answered -> event at a client: p50 ${pct(lags, 0.5).toFixed(1)} ms, p99 ${pct(lags, 0.99).toFixed(1)} ms`);
    console.log(`  server CPU per round: ${m(alone.map((x) => x.cpu * 1000))} ms with no client, ${m(live.map((x) => x.cpu * 1000))} ms with ${clients}; RSS ${m(live.map((x) => x.rss))} MiB`);
    console.log(`catch-up, ${backlog} stored events from after=0, ${rounds} rounds, medians:`);
    console.log(`  1 client:    ${m(one.map((x) => x.rate))} events/s  (reference)`);
    console.log(`  ${clients} clients:  ${m(many.map((x) => x.rate))} events/s in all, ${m(many.map((x) => x.perClient))} per client; ratio of totals ${(median(many.map((x) => x.rate)) / median(one.map((x) => x.rate))).toFixed(2)}`);
    console.log(`  ${clients} clients read ${m(many.map((x) => x.mib))} MiB; server CPU ${median(many.map((x) => x.cpu)).toFixed(2)} s; RSS ${m(many.map((x) => x.rss))} MiB`);
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
