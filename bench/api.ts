// npm run bench:api — discovery POSTs/s and GET /api/v1/nodes/:id /s against
// real `bootherd serve` processes holding 10,000 nodes, with p50/p99, in three
// set-ups measured in one run and printed side by side: one instance on
// SQLite, one on PostgreSQL, and two instances sharing one PostgreSQL (the
// load split between them). PostgreSQL runs on this machine (test helper).
// Each round runs every phase on every set-up in turn (the machine is shared
// and drifts), and the table shows medians of rounds and of paired ratios.
// Options: --nodes N (10000), --concurrency C (16), --rounds R (3), --only sqlite,pg1,pg2.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.js';
import { startServe, type ServeProcess } from '../test/helpers/process.js';
import { measure, rssMiB, type Phase } from './load.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '16' }, only: { type: 'string', default: 'sqlite,pg1,pg2' }, rounds: { type: 'string', default: '3' } } });
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

/** A started set-up and what it has enrolled so far. */
interface Target {
  label: string;
  servers: ServeProcess[];
  dir: string;
  ids: string[];
  fresh: number;
}

type Kind = 'enroll' | 'new' | 'known' | 'get';
const kinds: Array<{ kind: Kind; name: string; perRound: (rounds: number) => number }> = [
  { kind: 'enroll', name: `enroll ${total} new nodes (discovery POST)`, perRound: (r) => Math.ceil(total / r) },
  { kind: 'new', name: `discovery POST, new node (db at ${total}+)`, perRound: () => 600 },
  { kind: 'known', name: 'discovery POST, known node re-report', perRound: () => 600 },
  { kind: 'get', name: 'GET /api/v1/nodes/:id', perRound: () => 6000 },
];

function phase(t: Target, kind: Kind, count: number): Promise<Phase> {
  const on = (i: number) => t.servers[i % t.servers.length]!;
  const base = t.fresh;
  const post = async (i: number, n: number) => {
    const res = await fetch(`${on(i).url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inventory(n)) });
    const body = (await res.json()) as { nodeId?: string };
    if (body.nodeId) t.ids[n] = body.nodeId;
    return res.status === 200;
  };
  const get = async (i: number) => {
    const res = await fetch(`${on(i).url}/api/v1/nodes/${t.ids[(i * 7919) % base]}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status === 200;
  };
  if (kind === 'enroll' || kind === 'new') t.fresh += count;
  // Re-reports and GETs pick among the nodes enrolled so far (inventories 0..base-1).
  const one = kind === 'get' ? get : kind === 'known' ? (i: number) => post(i, (i * 7919) % base) : (i: number) => post(i, base + i);
  return measure(kind, count, concurrency, one);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Every round runs each phase on every set-up in turn, so machine drift hits them alike.
async function runRounds(targets: Target[], rounds: number): Promise<Map<string, Phase[][]>> {
  const got = new Map(targets.map((t) => [t.label, kinds.map(() => [] as Phase[])]));
  for (let r = 0; r < rounds; r++) {
    for (const [k, def] of kinds.entries()) {
      for (const t of targets) got.get(t.label)![k]!.push(await phase(t, def.kind, def.perRound(rounds)));
    }
  }
  return got;
}

function printSideBySide(targets: Target[], got: Map<string, Phase[][]>): void {
  const header = ['phase (median of rounds)', ...targets.flatMap((t) => [`${t.label} req/s`, 'p99 ms'])];
  const rows = kinds.map((def, k) => [def.name, ...targets.flatMap((t) => {
    const ps = got.get(t.label)![k]!;
    const failed = ps.reduce((n, p) => n + p.failures, 0);
    return [`${median(ps.map((p) => p.perSecond)).toFixed(0)}${failed ? ` (${failed} failed)` : ''}`, median(ps.map((p) => p.p99ms)).toFixed(1)];
  })]);
  rows.push(['server RSS MiB at the end', ...targets.flatMap((t) => [t.servers.map((s) => rssMiB(s.proc.pid!).toFixed(0)).join('+'), ''])]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  const base = targets[0]!;
  for (const t of targets.slice(1)) {
    const ratio = (k: number) => median(got.get(t.label)![k]!.map((p, r) => p.perSecond / got.get(base.label)![k]![r]!.perSecond)).toFixed(2);
    console.log(`${t.label} / ${base.label}, median of paired rounds: enroll ${ratio(0)}, new-node POST ${ratio(1)}, re-report ${ratio(2)}, GET ${ratio(3)}`);
  }
}

async function main(): Promise<void> {
  const only = new Set(values.only.split(','));
  const rounds = Number(values.rounds);
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
  const targets: Target[] = [];
  try {
    for (const setup of setups.filter((s) => only.has(s.key))) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-api-'));
      targets.push({ label: setup.label, dir, servers: [], ids: [], fresh: 0 });
      targets.at(-1)!.servers = await setup.start(dir);
    }
    const got = await runRounds(targets, rounds);
    console.log(`bench:api  node ${process.version}, ${os.cpus().length} cores (shared by the load generator, every bootherd and PostgreSQL), concurrency ${concurrency}, loopback, ${rounds} rounds`);
    console.log('SQLite: WAL, synchronous=FULL; PostgreSQL 15 on this machine: defaults (fsync on, synchronous_commit on); "x2": requests alternate between two instances on one database');
    printSideBySide(targets, got);
  } finally {
    for (const t of targets) {
      for (const s of t.servers) s.proc.kill('SIGTERM');
      await Promise.all(t.servers.map((s) => s.exited));
      rmSync(t.dir, { recursive: true, force: true });
    }
    await pg?.destroy();
  }
}

void main();
