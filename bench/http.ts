// npm run bench:http — iPXE scripts rendered per second with 10,000 nodes in
// the database, beside constant and precomputed answers of the same express app
// (the floor a render is measured against), with p50/p99.
// Options: --nodes N (10000), --concurrency C (16).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServe } from '../test/helpers/process.js';
import { measure, printPhases, rssMiB, type Phase } from './load.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '16' } } });
const total = Number(values.nodes);
const concurrency = Number(values.concurrency);
const mac = (i: number) => `52-54-00-${[i >> 16, (i >> 8) & 0xff, i & 0xff].map((b) => b.toString(16).padStart(2, '0')).join('-')}`;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-http-'));
  // Every machine enrolls from 127.0.0.1 and never reports: lift the enrollment limits, this measures rendering.
  const config = path.join(dataDir, 'bench.json');
  writeFileSync(config, JSON.stringify({ enroll: { perSourcePerMinute: 10 * total + 1000, maxPendingNodes: 10 * total + 1000 } }));
  const srv = await startServe(['--config', config, '--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  const getOk = async (p: string) => {
    const res = await fetch(srv.url + p);
    await res.arrayBuffer();
    return res.status === 200;
  };
  const ipxe = (i: number) => getOk(`/ipxe?mac=${mac(i)}&uuid=&serial=&buildarch=x86_64&platform=pcbios`);
  try {
    const phases: Phase[] = [];
    phases.push(await measure(`enroll ${total} machines (first /ipxe)`, total, concurrency, ipxe));
    phases.push(await measure('floor: GET /healthz (constant)', 20000, concurrency, () => getOk('/healthz')));
    phases.push(await measure('GET /openapi.json (precomputed, 20 KB)', 20000, concurrency, () => getOk('/openapi.json')));
    phases.push(await measure('GET /boot.ipxe (chain template)', 20000, concurrency, () => getOk('/boot.ipxe')));
    phases.push(await measure(`GET /ipxe known node (db at ${total})`, 20000, concurrency, (i) => ipxe((i * 7919) % total)));
    console.log(`bench:http  node ${process.version}, ${os.cpus().length} cores, concurrency ${concurrency}, loopback; each /ipxe also appends an 'ipxe' event (SQLite, synchronous=FULL)`);
    printPhases(phases);
    const floor = phases[1]!.perSecond;
    console.log(`ratio to the floor: /boot.ipxe ${(phases[3]!.perSecond / floor).toFixed(2)}, /ipxe ${(phases[4]!.perSecond / floor).toFixed(2)}`);
    console.log(`server RSS at the end: ${rssMiB(srv.proc.pid!).toFixed(1)} MiB`);
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
