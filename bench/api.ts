// npm run bench:api — discovery POSTs/s and GET /api/v1/nodes/:id /s against
// real `bootherd serve` processes holding 10,000 nodes, with p50/p99, in three
// set-ups measured in one run and printed side by side: one instance on
// SQLite, one on PostgreSQL, and two instances sharing one PostgreSQL (the
// load split between them). PostgreSQL runs on this machine (test helper).
// Options: --nodes N (10000), --concurrency C (16), --only sqlite,pg1,pg2.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.js';
import { startServe, type ServeProcess } from '../test/helpers/process.js';
import { measure, rssMiB, type Phase } from './load.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '16' }, only: { type: 'string', default: 'sqlite,pg1,pg2' } } });
const total = Number(values.nodes);
const concurrency = Number(values.concurrency);
const token = 'bench-api-admin-token-0123456789abcdef';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const inventory = (i: number) => ({
  serial: `10000000${hex(0x10000000 + i, 8)}`, revision: 'c03111', model: 'Raspberry Pi 4 Model B Rev 1.1', arch: 'aarch64', cpus: 4, memoryBytes: 4124000000,
  nics: [{ name: 'eth0', mac: `dc:a6:32:${hex(i >> 16, 2)}:${hex((i >> 8) & 0xff, 2)}:${hex(i & 0xff, 2)}`, booted: true }],
  disks: [{ name: 'sda', sizeBytes: 32017047552, transport: 'usb', removable: true, partitions: [{ name: 'sda2', partuuid: `${hex(i, 8)}-02`, fstype: 'ext4' }] }],
});

interface Setup {
  key: string;
  label: string;
  start(dir: string): Promise<ServeProcess[]>;
}

async function runPhases(servers: ServeProcess[]): Promise<{ phases: Phase[]; rss: string }> {
  const ids: string[] = [];
  const on = (i: number) => servers[i % servers.length]!;
  const post = async (i: number) => {
    const res = await fetch(`${on(i).url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inventory(i)) });
    const body = (await res.json()) as { nodeId?: string };
    if (body.nodeId) ids[i] = body.nodeId;
    return res.status === 200;
  };
  const get = async (i: number) => {
    const res = await fetch(`${on(i).url}/api/v1/nodes/${ids[(i * 7919) % total]}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status === 200;
  };
  const phases: Phase[] = [];
  phases.push(await measure(`enroll ${total} new nodes (discovery POST)`, total, concurrency, post));
  phases.push(await measure(`discovery POST, new node (db at ${total})`, 2000, concurrency, (i) => post(total + i)));
  phases.push(await measure('discovery POST, known node re-report', 2000, concurrency, (i) => post((i * 7919) % total)));
  phases.push(await measure(`GET /api/v1/nodes/:id (db at ${total + 2000})`, 20000, concurrency, get));
  return { phases, rss: servers.map((s) => rssMiB(s.proc.pid!).toFixed(0)).join('+') };
}

function printSideBySide(results: Array<{ label: string; phases: Phase[]; rss: string }>): void {
  const header = ['phase', ...results.flatMap((r) => [`${r.label} req/s`, 'p99 ms'])];
  const rows = results[0]!.phases.map((p, i) => [p.name, ...results.flatMap((r) => [`${r.phases[i]!.perSecond.toFixed(0)}${r.phases[i]!.failures ? ` (${r.phases[i]!.failures} failed)` : ''}`, r.phases[i]!.p99ms.toFixed(1)])]);
  rows.push(['server RSS MiB at the end', ...results.flatMap((r) => [r.rss, ''])]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const base = results[0]!;
  for (const r of results.slice(1)) {
    const ratio = (i: number) => (r.phases[i]!.perSecond / base.phases[i]!.perSecond).toFixed(2);
    console.log(`${r.label} / ${base.label}: new-node POST ${ratio(1)}, re-report ${ratio(2)}, GET ${ratio(3)}`);
  }
}

async function main(): Promise<void> {
  const only = new Set(values.only.split(','));
  let pg = null as TestPostgres | null;
  const serve = (dir: string, name: string, extra: string[]) => startServe(['--data-dir', path.join(dir, name), '--instance', name, '--admin-token', token, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn', ...extra]);
  const pgUrl = async () => (pg ??= await startPostgres()).createDatabase();
  const setups: Setup[] = [
    { key: 'sqlite', label: 'sqlite x1', start: async (dir) => [await serve(dir, 'a', [])] },
    { key: 'pg1', label: 'postgres x1', start: async (dir) => [await serve(dir, 'a', ['--store', await pgUrl()])] },
    { key: 'pg2', label: 'postgres x2', start: async (dir) => {
      const url = await pgUrl();
      return Promise.all(['a', 'b'].map((n) => serve(dir, n, ['--store', url])));
    } },
  ];
  const results: Array<{ label: string; phases: Phase[]; rss: string }> = [];
  try {
    for (const setup of setups.filter((s) => only.has(s.key))) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-api-'));
      const servers = await setup.start(dir);
      try {
        results.push({ label: setup.label, ...(await runPhases(servers)) });
      } finally {
        for (const s of servers) s.proc.kill('SIGTERM');
        await Promise.all(servers.map((s) => s.exited));
        rmSync(dir, { recursive: true, force: true });
      }
    }
    console.log(`bench:api  node ${process.version}, ${os.cpus().length} cores (shared by the load generator, every bootherd and PostgreSQL), concurrency ${concurrency}, loopback`);
    console.log('SQLite: WAL, synchronous=FULL; PostgreSQL 15 on this machine: defaults (fsync on, synchronous_commit on); "x2": requests alternate between two instances on one database');
    printSideBySide(results);
  } finally {
    await pg?.destroy();
  }
}

void main();
