// npm run bench:cli — latency of the real `bootherd` CLI process against a
// real `bootherd serve` holding 10,000 nodes: `nodes list`, `nodes show` and
// a selector action over 1,000 nodes, each beside curl doing the same HTTP
// requests (the reference), median of several runs.
// Options: --nodes N (10000), --selected N (1000), --runs N (5).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newNode } from '../src/core/enroll.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import { cliPath, startServe } from '../test/helpers/process.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '10000' }, selected: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' } } });
const total = Number(values.nodes);
const selected = Number(values.selected);
const runs = Number(values.runs);
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

// Nodes straight into the database (as many reports would leave them): named, labelled, with hardware.
async function seed(dataDir: string): Promise<void> {
  const store = createSqliteStore(path.join(dataDir, 'bootherd.db'));
  const at = new Date('2025-03-01T10:00:00Z').toISOString();
  for (let i = 0; i < total; i++) {
    const n = newNode({ serial: hex(0x20000000 + i, 8), macs: [`dc:a6:32:${hex(i >> 16, 2)}:${hex((i >> 8) & 0xff, 2)}:${hex(i & 0xff, 2)}`] }, at, `10.1.${i >> 8}.${i & 0xff}`);
    n.state = 'ready';
    n.hostname = `bench-${hex(i, 5)}`;
    n.labels = { rack: `r${i % 40}`, ...(i < selected ? { bench: 'sel' } : {}) };
    n.hardware = { ...n.hardware, model: 'Raspberry Pi 4 Model B Rev 1.1', revision: 'c03111', arch: 'aarch64', cpus: 4, memoryBytes: 4124000000, nics: [{ name: 'eth0', mac: n.identity.macs[0]!, booted: true }] };
    await store.createNode(n, [{ kind: 'seen', data: { via: 'bench' } }], at);
  }
  await store.close();
}

function timed(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`${cmd} ${args.slice(0, 4).join(' ')} exited ${code}: ${err}`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  what: string;
  cli: number[];
  curl: number[];
}

async function pair(what: string, cliArgs: string[], curlArgs: () => string[]): Promise<Row> {
  const row: Row = { what, cli: [], curl: [] };
  for (let i = 0; i < runs; i++) {
    row.cli.push(await timed(process.execPath, [cliPath, ...cliArgs]));
    row.curl.push(await timed('curl', curlArgs()));
  }
  return row;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-cli-'));
  const seedStart = Date.now();
  await seed(dataDir);
  const seedSecs = (Date.now() - seedStart) / 1000;
  const srv = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const client = ['--url', srv.url, '--admin-token', token];
  const auth = ['-sf', '-o', '/dev/null', '-H', `authorization: Bearer ${token}`];
  // The selector action's HTTP work for curl: the same label query, then one PATCH per node, 8 at a time as the CLI does.
  const nodes = ((await (await fetch(`${srv.url}/api/v1/nodes?label=bench=sel`, { headers: { authorization: `Bearer ${token}` } })).json()) as { nodes: Array<{ id: string }> }).nodes;
  const patchConfig = path.join(dataDir, 'curl-patch.cfg');
  let round = 0;
  const curlPatch = () => {
    round++;
    const body = JSON.stringify({ labels: { round: String(round) } }).replace(/"/g, '\\"');
    const one = (id: string) => `url = "${srv.url}/api/v1/nodes/${id}"\nrequest = "PATCH"\nheader = "content-type: application/json"\nheader = "authorization: Bearer ${token}"\ndata = "${body}"\noutput = "/dev/null"\n`;
    writeFileSync(patchConfig, [`url = "${srv.url}/api/v1/nodes?label=bench=sel"\nheader = "authorization: Bearer ${token}"\noutput = "/dev/null"\n`, ...nodes.map((n) => one(n.id))].join('next\n'));
    return ['-sf', '--parallel', '--parallel-max', '8', '-K', patchConfig];
  };
  try {
    const rows: Row[] = [];
    rows.push(await pair('process start: bootherd --version | curl --version', ['--version'], () => ['--version']));
    rows.push(await pair(`nodes list (${total} nodes, table) | GET /api/v1/nodes`, ['nodes', 'list', ...client], () => [...auth, `${srv.url}/api/v1/nodes`]));
    rows.push(await pair(`nodes list -o json | GET /api/v1/nodes`, ['nodes', 'list', '-o', 'json', ...client], () => [...auth, `${srv.url}/api/v1/nodes`]));
    rows.push(await pair('nodes show NODE (table) | GET /api/v1/nodes/:id', ['nodes', 'show', 'bench-01234', ...client], () => [...auth, `${srv.url}/api/v1/nodes/bench-01234`]));
    rows.push(await pair(`nodes set -l bench=sel (${nodes.length} PATCH) | curl, same requests, 8 parallel`, ['nodes', 'set', '-l', 'bench=sel', 'label.round=cli', ...client], curlPatch));
    console.log(`bench:cli  node ${process.version}, ${os.cpus().length} cores, loopback, real 'bootherd serve' with ${total} nodes (${nodes.length} selected; seeded in ${seedSecs.toFixed(1)} s); ${runs} runs each, median ms (min-max)`);
    const fmt = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;
    const table = rows.map((r) => [r.what, fmt(r.cli), fmt(r.curl), `${(median(r.cli) / median(r.curl)).toFixed(2)}x`]);
    const header = ['bootherd CLI | curl (reference)', 'CLI ms', 'curl ms', 'ratio'];
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
    for (const r of [header, ...table]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
