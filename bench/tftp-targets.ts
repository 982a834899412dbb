// The TFTP servers bench:tftp storms: a real `bootherd serve`, dnsmasq
// (port 69 only, so it is started only when that port is free), and the bare
// Node yardstick of --minimal, each in a process of its own.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServe } from '../test/helpers/process.js';
import { tftpGet } from '../test/helpers/tftp-client.js';
import { serialPath } from './tftp-pi.js';

/** Where the clients send their RRQs. */
export interface Target {
  name: string;
  host: string;
  port: number;
  /** The path client `i` asks for `file` (bootherd: under the Pi's serial prefix). */
  pathFor(file: string, i: number): string;
  /** Files the server renders per node: checked for a non-empty answer, not against the directory's bytes. */
  rendered: ReadonlySet<string>;
  /** CPU seconds (user + system) the server process has used, when known. */
  cpuSeconds(): number | null;
  /** Its process, for taskset and per-thread CPU. */
  pid: number | undefined;
  /** Retransmissions the server counted, and how many it found needless, when it says. */
  resends(): Promise<{ retransmits: number; spurious: number } | null>;
  stop(): Promise<void>;
}

// A real `bootherd serve` in its own process (as dnsmasq is), firmware dir = the boot set;
// nodeArgs (e.g. --cpu-prof) go to its Node.
export async function startBootherd(root: string, work: string, configFile?: string, nodeArgs: string[] = []): Promise<Target> {
  const args = ['--data-dir', path.join(work, 'data'), '--http', '127.0.0.1:0', '--tftp', '127.0.0.1:0', '--firmware-dir', root, '--log-level', 'error', ...(configFile ? ['--config', path.resolve(configFile)] : [])];
  const srv = await startServe(args, {}, nodeArgs);
  const stop = async () => {
    srv.proc.kill('SIGTERM');
    await srv.exited;
  };
  const resends = async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { retransmits: metric('bootherd_tftp_retransmits_total'), spurious: metric('bootherd_tftp_spurious_resends_total') };
  };
  return { name: 'bootherd', host: '127.0.0.1', port: srv.tftpPorts[0]!, pathFor: serialPath, rendered: new Set(['config.txt', 'cmdline.txt']), cpuSeconds: () => cpuOf(srv.proc.pid), pid: srv.proc.pid, resends, stop };
}

/** Why dnsmasq's TFTP cannot have 127.0.0.1:69 (in use, or not root), or null when it is free. */
export async function port69Busy(): Promise<string | null> {
  const probe = dgram.createSocket('udp4');
  const free = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.bind(69, '127.0.0.1', () => resolve(true));
  });
  probe.close();
  return free ? null : 'UDP port 69 on 127.0.0.1 is in use (or not root)';
}

/** A running dnsmasq and the tail of its log. */
export interface DnsmasqProcess {
  child: ChildProcess;
  /** The last 8 KB dnsmasq wrote to stderr. */
  log(): string;
  /** SIGTERM, then SIGKILL after 3 s. */
  stop(): Promise<void>;
}

/**
 * dnsmasq's TFTP alone on 127.0.0.1:69 (it has no other port) serving `root`,
 * or why it cannot run. Its log is read as it comes: --no-daemon logs to
 * stderr (transfer errors even with --quiet-tftp), and a pipe nobody reads
 * fills at 64 KB and blocks dnsmasq in write(2), which stops it serving and
 * acting on SIGTERM in the middle of a storm.
 */
export async function spawnDnsmasq(root: string, work: string): Promise<DnsmasqProcess | string> {
  // Another server on port 69 would be benchmarked instead.
  const busy = await port69Busy();
  if (busy) return busy;
  const args = ['--no-daemon', '--port=0', '--enable-tftp', `--tftp-root=${root}`, '--listen-address=127.0.0.1', '--bind-interfaces',
    '--tftp-max=4096', '--quiet-tftp', '--conf-file=/dev/null', `--pid-file=${path.join(work, 'dnsmasq.pid')}`];
  let child: ChildProcess;
  try {
    child = spawn('dnsmasq', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', resolve);
    });
  } catch (err) {
    return `dnsmasq not started (${(err as Error).message}); install the Debian package dnsmasq-base`;
  }
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8192)));
  return { child, log: () => log, stop: () => kill(child, 3000) };
}

export async function startDnsmasq(root: string, work: string): Promise<Target | string> {
  const d = await spawnDnsmasq(root, work);
  if (typeof d === 'string') return d;
  const { child } = d;
  const target: Target = { name: 'dnsmasq', host: '127.0.0.1', port: 69, pathFor: (f) => f, rendered: new Set(), cpuSeconds: () => cpuOf(child.pid), pid: child.pid, resends: async () => null, stop: d.stop };
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) return `dnsmasq exited: ${d.log().trim()}`;
    const ok = await tftpGet({ host: '127.0.0.1', port: 69, path: 'config.txt', timeoutMs: 200 }).then(() => true, () => false);
    if (ok) return target;
  }
  await target.stop();
  return `dnsmasq did not answer on port 69: ${d.log().trim()}`;
}

// bench/tftp-minimal-server.ts: a Node dgram server doing nothing but TFTP.
export async function startMinimal(root: string): Promise<Target> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./tftp-minimal-server.js', import.meta.url)), root], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`minimal server exited with ${code}`)));
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  return { name: 'node-minimal', host: '127.0.0.1', port, pathFor: (f) => f, rendered: new Set(), cpuSeconds: () => cpuOf(child.pid), pid: child.pid, resends: async () => null, stop: () => kill(child) };
}

/** utime + stime of `pid` from /proc/PID/stat (Linux), in seconds; null when unknown. */
export function cpuOf(pid: number | undefined): number | null {
  try {
    return statCpu(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
}

function statCpu(file: string): number {
  const fields = readFileSync(file, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of each thread of `pid` by thread id (/proc/PID/task), empty when unknown. */
export function threadCpu(pid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) out.set(tid, statCpu(`/proc/${pid}/task/${tid}/stat`));
  } catch {
    /* gone, or not Linux */
  }
  return out;
}

// SIGTERM; SIGKILL after `graceMs` when given.
function kill(child: ChildProcess, graceMs?: number): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = graceMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => (clearTimeout(hard), resolve()));
    child.kill('SIGTERM');
  });
}

