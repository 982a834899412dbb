// TFTP boot storm (DESIGN.md §7): N simulated Pi 4 clients fetch a discovery
// boot set at once, first from a real `bootherd serve` (each Pi under its own
// serial prefix, so it is enrolled and gets rendered config.txt/cmdline.txt,
// the rest from the firmware dir), then from dnsmasq's TFTP serving the same
// files from a directory.
//
//   node dist/bench/tftp.js [--clients 50,200] [--rounds 1] [--only bootherd] [--minimal]
//
// --minimal adds a third server, bench/tftp-minimal-server.ts: a TFTP server on
// Node's dgram that does nothing but send blocks, to show how much of a gap
// to dnsmasq is bootherd's work and how much is Node's.
//
// Each client has its own loopback address (127.0.x.y), like a rack of Pis with
// their own IPs, and one UDP socket per transfer.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServe } from '../test/helpers/process.js';
import { tftpGet } from '../test/helpers/tftp-client.js';

/** Where the clients send their RRQs. */
interface Target {
  name: string;
  host: string;
  port: number;
  /** The path client `i` asks for `file` (bootherd: under the Pi's serial prefix). */
  pathFor(file: string, i: number): string;
  /** Files the server renders per node: checked for a non-empty answer, not against the directory's bytes. */
  rendered: ReadonlySet<string>;
  /** CPU seconds (user + system) the server process has used, when known. */
  cpuSeconds(): number | null;
  stop(): Promise<void>;
}

/** Figures of one storm. */
interface StormResult {
  clients: number;
  bytes: number;
  seconds: number;
  kernelSeconds: number;
  failed: number;
  /** Packets the server sent twice (retransmissions seen by clients). */
  resent: number;
  serverCpu: number | null;
  clientCpu: number;
}

const MiB = 1024 * 1024;
/** A Pi 4 discovery boot set with realistic sizes. */
const bootSet: Record<string, number> = {
  'start4.elf': 2.2 * MiB,
  'fixup4.dat': 5 * 1024,
  'bcm2711-rpi-4-b.dtb': 52 * 1024,
  'config.txt': 180,
  'cmdline.txt': 120,
  'kernel8.img': 8 * MiB,
  'initramfs8': 12 * MiB,
};
/** The RRQ sequence of a Pi 4 (shared/fixtures/pi4-rrq-sequence.txt, shortened); not-found answers are normal. */
const sequence = ['config.txt', 'start4.elf', 'fixup4.dat', 'recovery.elf', 'config.txt', 'dt-blob.bin', 'bcm2711-rpi-4-b.dtb', 'cmdline.txt', 'kernel8.img', 'initramfs8'];
const pi4Options = { tsize: '0', blksize: '1024' };

async function writeBootSet(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755); // dnsmasq reads as nobody
  for (const [name, size] of Object.entries(bootSet)) {
    const buf = randomBytes(Math.round(size));
    await writeFile(path.join(dir, name), buf, { mode: 0o644 });
    files.set(name, buf);
  }
  return files;
}

/** One Pi: an early-terminate probe of start4.elf, then the boot sequence; every byte checked. */
async function bootOnePi(target: Target, files: Map<string, Buffer>, i: number, t0: number): Promise<{ bytes: number; failed: number; kernelAt: number; resent: number }> {
  const out = { bytes: 0, failed: 0, kernelAt: 0, resent: 0 };
  const localAddress = `127.0.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`;
  const common = { host: target.host, port: target.port, localAddress, options: pi4Options, keepData: false, resendMs: 1000, timeoutMs: 30_000 };
  try {
    const probe = await tftpGet({ ...common, path: target.pathFor('start4.elf', i), earlyTerminate: 'oack' });
    if (probe.oack?.tsize !== String(files.get('start4.elf')?.length)) out.failed++;
  } catch {
    out.failed++;
  }
  for (const name of sequence) {
    const rendered = target.rendered.has(name);
    const want = rendered ? undefined : files.get(name);
    let corrupt = false;
    try {
      const res = await tftpGet({ ...common, path: target.pathFor(name, i), onData: (p, off) => (corrupt ||= !rendered && (!want || p.compare(want, off, off + p.length) !== 0)) });
      out.bytes += res.bytes;
      out.resent += res.retransmitsSeen;
      const ok = rendered ? !res.error && res.bytes > 0 : want ? !res.error && !corrupt && res.bytes === want.length : res.error?.code === 1;
      if (!ok) out.failed++;
    } catch {
      out.failed++;
    }
    if (name === 'kernel8.img') out.kernelAt = performance.now() - t0;
  }
  return out;
}

async function storm(target: Target, files: Map<string, Buffer>, clients: number): Promise<StormResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = target.cpuSeconds();
  const runs = Array.from({ length: clients }, (_, i) => bootOnePi(target, files, i, t0));
  const results = await Promise.all(runs);
  const seconds = (performance.now() - t0) / 1000;
  return {
    clients,
    bytes: results.reduce((s, r) => s + r.bytes, 0),
    seconds,
    kernelSeconds: Math.max(...results.map((r) => r.kernelAt)) / 1000,
    failed: results.reduce((s, r) => s + r.failed, 0),
    resent: results.reduce((s, r) => s + r.resent, 0),
    serverCpu: server0 === null ? null : (target.cpuSeconds() ?? 0) - server0,
    clientCpu: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpu0)),
  };
}

// A real `bootherd serve` in its own process (as dnsmasq is), firmware dir = the boot set.
async function startBootherd(root: string, work: string): Promise<Target> {
  const srv = await startServe(['--data-dir', path.join(work, 'data'), '--http', '127.0.0.1:0', '--tftp', '127.0.0.1:0', '--firmware-dir', root, '--log-level', 'error']);
  const serial = (i: number) => (0xb0000000 + i).toString(16);
  const stop = async () => {
    srv.proc.kill('SIGTERM');
    await srv.exited;
  };
  return { name: 'bootherd', host: '127.0.0.1', port: srv.tftpPorts[0]!, pathFor: (f, i) => `${serial(i)}/${f}`, rendered: new Set(['config.txt', 'cmdline.txt']), cpuSeconds: () => cpuOf(srv.proc.pid), stop };
}

async function startDnsmasq(root: string, work: string): Promise<Target | string> {
  // dnsmasq's TFTP is fixed to port 69: another server there would be benchmarked instead.
  const probe = dgram.createSocket('udp4');
  const free = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.bind(69, '127.0.0.1', () => resolve(true));
  });
  probe.close();
  if (!free) return 'UDP port 69 on 127.0.0.1 is in use (or not root)';
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
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const target: Target = { name: 'dnsmasq', host: '127.0.0.1', port: 69, pathFor: (f) => f, rendered: new Set(), cpuSeconds: () => cpuOf(child.pid), stop: () => kill(child) };
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) return `dnsmasq exited: ${stderr.trim()}`;
    const ok = await tftpGet({ host: '127.0.0.1', port: 69, path: 'config.txt', timeoutMs: 200 }).then(() => true, () => false);
    if (ok) return target;
  }
  await target.stop();
  return `dnsmasq did not answer on port 69: ${stderr.trim()}`;
}

// bench/tftp-minimal-server.ts: a Node dgram server doing nothing but TFTP.
async function startMinimal(root: string): Promise<Target> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./tftp-minimal-server.js', import.meta.url)), root], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`minimal server exited with ${code}`)));
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  return { name: 'node-minimal', host: '127.0.0.1', port, pathFor: (f) => f, rendered: new Set(), cpuSeconds: () => cpuOf(child.pid), stop: () => kill(child) };
}

// utime + stime from /proc/PID/stat (Linux), in seconds.
function cpuOf(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function report(name: string, r: StormResult): number {
  const mibs = r.bytes / MiB / r.seconds;
  const perGiB = (cpu: number | null) => (cpu === null ? '?' : ((cpu * 1024 * MiB) / r.bytes).toFixed(1));
  console.log(`${name.padEnd(9)} N=${String(r.clients).padStart(3)}  ${mibs.toFixed(1).padStart(7)} MiB/s  last kernel ${r.kernelSeconds.toFixed(1).padStart(6)} s  all done ${r.seconds.toFixed(1).padStart(6)} s  ${(r.bytes / MiB).toFixed(0)} MiB  failed ${r.failed}  resent ${r.resent}  CPU s per GiB: server ${perGiB(r.serverCpu)} clients ${perGiB(r.clientCpu)}`);
  return mibs;
}

// Storms rotate through the servers (a different one first each round) so
// that other load on the machine drifts over all alike. This machine's speed
// drifts by a third over minutes, so each round's ratios are printed and the
// median of those paired ratios is reported beside the ratio of medians.
async function compare(n: number, rounds: number, files: Map<string, Buffer>, ours: Target, refs: Target[]): Promise<void> {
  const all = [ours, ...refs];
  const results: Array<Map<string, number>> = []; // MiB/s per server, one map per round
  const ratio = (round: Map<string, number>, ref: Target) => (round.get(ours.name) ?? 0) / (round.get(ref.name) ?? 1);
  for (let r = 0; r < rounds; r++) {
    const round = new Map<string, number>();
    for (const t of all.map((_, i) => all[(i + r) % all.length]!)) round.set(t.name, report(t.name, await storm(t, files, n)));
    results.push(round);
    if (refs.length) console.log(`  round ${r + 1}: ${refs.map((ref) => `${ours.name}/${ref.name} = ${ratio(round, ref).toFixed(2)}`).join(', ')}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const speeds = (t: Target) => results.map((round) => round.get(t.name) ?? 0);
  for (const ref of refs) {
    const ofMedians = median(speeds(ours)) / median(speeds(ref));
    console.log(`ratio ${ours.name}/${ref.name} at N=${n}: ${ofMedians.toFixed(2)} (medians of ${rounds} round(s)); median of paired ratios ${median(results.map((round) => ratio(round, ref))).toFixed(2)}`);
  }
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const counts = (flag('--clients') ?? '50,200').split(',').map(Number).filter((n) => n > 0);
  const rounds = Math.max(1, Number(flag('--rounds') ?? 1));
  const work = await mkdtemp(path.join(tmpdir(), 'bootherd-bench-tftp-'));
  await chmod(work, 0o755);
  const root = path.join(work, 'root');
  try {
    const files = await writeBootSet(root);
    const only = flag('--only');
    const ours = await startBootherd(root, work);
    const refs: Target[] = [];
    try {
      const dnsmasq = only === 'bootherd' ? 'left out by --only bootherd' : await startDnsmasq(root, work);
      if (typeof dnsmasq === 'string') console.log(`dnsmasq skipped: ${dnsmasq}`);
      else refs.push(dnsmasq);
      if (process.argv.includes('--minimal')) refs.push(await startMinimal(root));
      for (const n of counts) await compare(n, rounds, files, ours, refs);
    } finally {
      await ours.stop();
      for (const ref of refs) await ref.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
