// npm run bench:api — discovery POSTs/s and GET /api/v1/nodes/:id /s against a
// real `bootherd serve` holding 10,000 nodes, with p50/p99 and the server's RSS.
// Options: --nodes N (10000), --concurrency C (16).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServe } from '../test/helpers/process.js';
import { measure, printPhases, rssMiB, type Phase } from './load.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '16' } } });
const total = Number(values.nodes);
const concurrency = Number(values.concurrency);

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const inventory = (i: number) => ({
  serial: `10000000${hex(0x10000000 + i, 8)}`, revision: 'c03111', model: 'Raspberry Pi 4 Model B Rev 1.1', arch: 'aarch64', cpus: 4, memoryBytes: 4124000000,
  nics: [{ name: 'eth0', mac: `dc:a6:32:${hex(i >> 16, 2)}:${hex((i >> 8) & 0xff, 2)}:${hex(i & 0xff, 2)}`, booted: true }],
  disks: [{ name: 'sda', sizeBytes: 32017047552, transport: 'usb', removable: true, partitions: [{ name: 'sda2', partuuid: `${hex(i, 8)}-02`, fstype: 'ext4' }] }],
});

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-'));
  const srv = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const ids: string[] = [];
  const post = async (i: number, auth?: string) => {
    const res = await fetch(`${srv.url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: JSON.stringify(inventory(i)) });
    const body = (await res.json()) as { nodeId?: string };
    if (body.nodeId) ids[i] = body.nodeId;
    return res.status === 200;
  };
  const get = async (i: number) => {
    const res = await fetch(`${srv.url}/api/v1/nodes/${ids[i % ids.length]}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status === 200;
  };
  try {
    const phases: Phase[] = [];
    const rssEmpty = rssMiB(srv.proc.pid!);
    phases.push(await measure(`enroll ${total} new nodes (discovery POST)`, total, concurrency, (i) => post(i)));
    const rssFull = rssMiB(srv.proc.pid!);
    phases.push(await measure(`discovery POST, new node (db at ${total})`, 2000, concurrency, (i) => post(total + i)));
    phases.push(await measure(`discovery POST, known node re-report`, 2000, concurrency, (i) => post((i * 7919) % total)));
    phases.push(await measure(`GET /api/v1/nodes/:id (db at ${total + 2000})`, 20000, concurrency, (i) => get((i * 7919) % total)));
    console.log(`bench:api  node ${process.version}, ${os.cpus().length} cores, concurrency ${concurrency}, loopback, SQLite WAL synchronous=FULL`);
    printPhases(phases);
    console.log(`server RSS: ${rssEmpty.toFixed(1)} MiB empty, ${rssFull.toFixed(1)} MiB with ${total} nodes, ${rssMiB(srv.proc.pid!).toFixed(1)} MiB at the end`);
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
