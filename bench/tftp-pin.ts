// bench:tftp --pin: the server on some cores, the clients on the others
// (taskset), so that a server using several cores has them to itself and the
// clients, in processes of their own, are not what limits the storm.
//
//   --pin                 server on the first half of the cores, clients on the rest
//   --pin 0-3/4-7         server CPUs / client CPUs, as taskset -c lists
//   --client-procs K      client processes (default: one per client CPU)
import { execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ClientProcArgs } from './tftp-client-proc.js';
import type { PiResult } from './tftp-pi.js';

/** Where the server and the clients run. */
export interface Pin {
  server: string;
  clients: string;
  procs: number;
}

/** Parses --pin's value (or its absence of one) and --client-procs. */
export function parsePin(spec: string | undefined, procs: string | undefined): Pin {
  const n = cpus().length;
  if (n < 2) throw new Error('--pin needs at least 2 CPUs');
  const half = Math.max(1, Math.floor(n / 2));
  const [server, clients] = spec && spec.includes('/') ? spec.split('/') : [`0-${half - 1}`, `${half}-${n - 1}`];
  const count = (list: string) => list!.split(',').reduce((s, r) => s + (r.includes('-') ? Number(r.split('-')[1]) - Number(r.split('-')[0]) + 1 : 1), 0);
  return { server: server!, clients: clients!, procs: Math.max(1, Number(procs ?? count(clients!))) };
}

/** Pins every thread of `pid` (and threads it starts later) to `cpuList`. */
export function pinProcess(pid: number | undefined, cpuList: string): void {
  if (pid === undefined) throw new Error('no process to pin');
  execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
}

/** Boots Pis 0..clients-1 from `pin.procs` client processes pinned to the client CPUs. */
export async function runPinnedClients(pin: Pin, base: Omit<ClientProcArgs, 'from' | 'to'>, clients: number): Promise<{ results: PiResult[]; cpuSeconds: number }> {
  const script = fileURLToPath(new URL('./tftp-client-proc.js', import.meta.url));
  const share = Math.ceil(clients / pin.procs);
  const runs = [];
  for (let from = 0; from < clients; from += share) {
    const args: ClientProcArgs = { ...base, from, to: Math.min(clients, from + share) };
    runs.push(runOne(['-c', pin.clients, process.execPath, script, JSON.stringify(args)]));
  }
  const outs = await Promise.all(runs);
  return { results: outs.flatMap((o) => o.results), cpuSeconds: outs.reduce((s, o) => s + o.cpuSeconds, 0) };
}

function runOne(argv: string[]): Promise<{ results: PiResult[]; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { results: PiResult[]; cpuSeconds: number }) : reject(new Error(`client process exited with ${code}`))));
  });
}
