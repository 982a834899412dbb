// TFTP boot storm (DESIGN.md §7): N simulated Pi 4 clients fetch a discovery
// boot set at once, first from a real `bootherd serve` (each Pi under its own
// serial prefix, so it is enrolled and gets rendered config.txt/cmdline.txt,
// the rest from the firmware dir), then from dnsmasq's TFTP serving the same
// files from a directory.
//
//   node dist/bench/tftp.js [--clients 50,200] [--rounds 1] [--only bootherd] [--minimal]
//                           [--loss PCT [--dup PCT] [--reorder PCT] [--seed N]] [--bootherd-config FILE]
//                           [--cpu-prof DIR] [--workers N] [--pin [SERVER_CPUS/CLIENT_CPUS]] [--client-procs K]
//
// --loss puts test/helpers/lossy-proxy.ts in front of every server, dropping
// PCT% of datagrams each way (--dup and --reorder add duplicates and
// reordering; the same seed gives each server the same losses), and makes
// the clients Pi-like in full: a file not done 30 s after its RRQ is given up,
// as the bootloader's TFTP_FILE_TIMEOUT does. It reports boot sets complete
// and the resends each side saw; --clients defaults to 20 there.
//
// --minimal adds a third server, bench/tftp-minimal-server.ts: a TFTP server on
// Node's dgram that does nothing but send blocks, to show how much of a gap
// to dnsmasq is bootherd's work and how much is Node's.
//
// bootherd runs with boot admission off (admission.enabled false): this bench
// compares data paths, and neither dnsmasq nor the bare server would hold
// boards back; bench:storm measures admission. --bootherd-config FILE runs it
// with FILE instead.
//
// --workers N runs bootherd with tftp.workers = N (and admission off, as above).
// --pin runs the clients in processes of their own on other cores than the
// servers' (bench/tftp-pin.ts). "busiest thread" is the CPU per GiB of the
// server's busiest thread: the share one core must carry, so 1 / that is the
// most one core serves, and a server whose transfers spread over W threads
// on W cores serves up to W times that.
//
// --cpu-prof DIR runs bootherd under `node --cpu-prof`, writing its profile
// into DIR when the bench stops it.
//
// Each client has its own loopback address (127.0.x.y), like a rack of Pis with
// their own IPs, and one UDP socket per transfer.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startLossyProxy } from '../test/helpers/lossy-proxy.js';
import type { LossModel, ProxyCounts } from '../test/helpers/lossy-proxy.js';
import { MiB, bootOnePi, writeBootSet } from './tftp-pi.js';
import { parsePin, pinProcess, runPinnedClients } from './tftp-pin.js';
import type { Pin } from './tftp-pin.js';
import { startBootherd, startDnsmasq, startMinimal, threadCpu } from './tftp-targets.js';
import type { Target } from './tftp-targets.js';

/** Figures of one storm. */
interface StormResult {
  clients: number;
  bytes: number;
  seconds: number;
  kernelSeconds: number;
  failed: number;
  /** Packets the server sent twice (retransmissions seen by clients). */
  resent: number;
  /** Pis whose every file arrived intact. */
  setsComplete: number;
  /** What the server counted itself, when it says (bootherd's /metrics). */
  serverResends: { retransmits: number; spurious: number } | null;
  /** What the lossy proxy did, when there was one. */
  proxy: { toServer: ProxyCounts; toClient: ProxyCounts } | null;
  serverCpu: number | null;
  /** CPU seconds of the server's busiest thread: what one core must carry. */
  busiestThread: number;
  clientCpu: number;
}

/** The lossy link of --loss, one model for each way. */
interface Link {
  model: LossModel;
  seed: number;
}

/** How the clients of a storm run: in this process, or pinned apart from the server (--pin). */
interface Run {
  link: Link | null;
  pin: Pin | null;
  root: string;
}

async function storm(target: Target, files: Map<string, Buffer>, clients: number, run: Run): Promise<StormResult> {
  const { link } = run;
  const proxy = link && (await startLossyProxy({ target: { host: target.host, port: target.port }, seed: link.seed, toServer: link.model, toClient: link.model }));
  const to = proxy ? { host: proxy.address, port: proxy.port } : { host: target.host, port: target.port };
  const resends0 = await target.resends();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = target.cpuSeconds();
  const threads0 = threadCpu(target.pid);
  const pinned = run.pin && (await runPinnedClients(run.pin, { ...to, root: run.root, serial: target.name === 'bootherd', rendered: [...target.rendered], lossy: link !== null }, clients));
  const results = pinned ? pinned.results : await Promise.all(Array.from({ length: clients }, (_, i) => bootOnePi(to, target, files, i, t0, link !== null)));
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = server0 === null ? null : (target.cpuSeconds() ?? 0) - server0;
  const busiestThread = Math.max(0, ...[...threadCpu(target.pid)].map(([tid, s]) => s - (threads0.get(tid) ?? 0)));
  const clientCpu = ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpu0)) + (pinned?.cpuSeconds ?? 0);
  const resends1 = await target.resends();
  await proxy?.close();
  return {
    clients,
    bytes: results.reduce((s, r) => s + r.bytes, 0),
    seconds,
    kernelSeconds: Math.max(...results.map((r) => r.kernelAt)) / 1000,
    failed: results.reduce((s, r) => s + r.failed, 0),
    resent: results.reduce((s, r) => s + r.resent, 0),
    setsComplete: results.filter((r) => r.failed === 0).length,
    serverResends: resends0 && resends1 && { retransmits: resends1.retransmits - resends0.retransmits, spurious: resends1.spurious - resends0.spurious },
    proxy: proxy && proxy.stats(),
    serverCpu,
    busiestThread,
    clientCpu,
  };
}

/** What one storm gives the comparison: throughput, and server CPU per GiB when known. */
interface Figures {
  mibs: number;
  cpuPerGiB: number | null;
}

// The most the server could serve with each of its threads on a core of its own: its busiest thread's limit.
const ceiling = (r: StormResult): string => (r.busiestThread > 0 ? (r.bytes / MiB / r.busiestThread).toFixed(0) : '?');

function report(name: string, r: StormResult): Figures {
  const mibs = r.bytes / MiB / r.seconds;
  const perGiB = (cpu: number | null) => (cpu === null ? '?' : ((cpu * 1024 * MiB) / r.bytes).toFixed(1));
  console.log(`${name.padEnd(9)} N=${String(r.clients).padStart(3)}  ${mibs.toFixed(1).padStart(7)} MiB/s  last kernel ${r.kernelSeconds.toFixed(1).padStart(6)} s  all done ${r.seconds.toFixed(1).padStart(6)} s  ${(r.bytes / MiB).toFixed(0)} MiB  failed ${r.failed}  resent ${r.resent}  CPU s per GiB: server ${perGiB(r.serverCpu)} (busiest thread ${perGiB(r.busiestThread)}: ceiling ${ceiling(r)} MiB/s a core per thread) clients ${perGiB(r.clientCpu)}`);
  if (r.proxy) {
    const own = r.serverResends ? `; server counted ${r.serverResends.retransmits} retransmissions, ${r.serverResends.spurious} spurious` : '';
    const lost = `${r.proxy.toServer.dropped + r.proxy.toClient.dropped} of ${r.proxy.toServer.forwarded + r.proxy.toServer.dropped + r.proxy.toClient.forwarded + r.proxy.toClient.dropped} datagrams dropped`;
    console.log(`          boot sets complete ${r.setsComplete}/${r.clients}; duplicate DATA seen by clients ${r.resent}${own}; proxy: ${lost}`);
  }
  return { mibs, cpuPerGiB: r.serverCpu === null ? null : (r.serverCpu * 1024 * MiB) / r.bytes };
}

// Storms rotate through the servers (a different one first each round) so
// that other load on the machine drifts over all alike. This machine's speed
// drifts by a third over minutes, so each round's ratios are printed and the
// median of those paired ratios is reported beside the ratio of medians, for
// throughput and for server CPU per GiB served, with the load average.
async function compare(n: number, rounds: number, files: Map<string, Buffer>, ours: Target, refs: Target[], run: Run): Promise<void> {
  const all = [ours, ...refs];
  const results: Array<Map<string, Figures>> = []; // one map per round
  const ratio = (round: Map<string, Figures>, ref: Target, of: keyof Figures) => (round.get(ours.name)?.[of] ?? NaN) / (round.get(ref.name)?.[of] ?? NaN);
  for (let r = 0; r < rounds; r++) {
    const round = new Map<string, Figures>();
    for (const t of all.map((_, i) => all[(i + r) % all.length]!)) round.set(t.name, report(t.name, await storm(t, files, n, run)));
    results.push(round);
    if (refs.length) console.log(`  round ${r + 1}: ${refs.map((ref) => `${ours.name}/${ref.name} = ${ratio(round, ref, 'mibs').toFixed(2)} MiB/s, ${ratio(round, ref, 'cpuPerGiB').toFixed(2)} CPU per GiB`).join('; ')}; load ${loadavg()[0]!.toFixed(1)}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const speeds = (t: Target) => results.map((round) => round.get(t.name)?.mibs ?? 0);
  for (const ref of refs) {
    const ofMedians = median(speeds(ours)) / median(speeds(ref));
    console.log(`ratio ${ours.name}/${ref.name} at N=${n}: ${ofMedians.toFixed(2)} (medians of ${rounds} round(s)); median of paired ratios ${median(results.map((round) => ratio(round, ref, 'mibs'))).toFixed(2)}`);
    console.log(`server CPU per GiB ${ours.name}/${ref.name} at N=${n}: median of paired ratios ${median(results.map((round) => ratio(round, ref, 'cpuPerGiB'))).toFixed(2)} (lower is leaner)`);
  }
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const pct = (name: string) => Number(flag(name) ?? 0) / 100;
  const link: Link | null = flag('--loss') === undefined ? null : { model: { drop: pct('--loss'), duplicate: pct('--dup'), reorder: pct('--reorder') }, seed: Number(flag('--seed') ?? 1) };
  if (link) console.log(`through a lossy proxy, each way: ${JSON.stringify(link.model)}, seed ${link.seed}`);
  const counts = (flag('--clients') ?? (link ? '20' : '50,200')).split(',').map(Number).filter((n) => n > 0);
  const rounds = Math.max(1, Number(flag('--rounds') ?? 1));
  console.log(`${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const work = await mkdtemp(path.join(tmpdir(), 'bootherd-bench-tftp-'));
  await chmod(work, 0o755);
  const root = path.join(work, 'root');
  try {
    const files = await writeBootSet(root);
    const only = flag('--only');
    const prof = flag('--cpu-prof');
    const workers = flag('--workers');
    let config = flag('--bootherd-config');
    if (!config || workers) {
      config = path.join(work, 'bootherd.json');
      await writeFile(config, JSON.stringify({ admission: { enabled: false }, ...(workers ? { tftp: { workers: Number(workers) } } : {}) }));
    }
    const ours = await startBootherd(root, work, config, prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : []);
    const refs: Target[] = [];
    try {
      const dnsmasq = only === 'bootherd' ? 'left out by --only bootherd' : await startDnsmasq(root, work);
      if (typeof dnsmasq === 'string') console.log(`dnsmasq skipped: ${dnsmasq}`);
      else refs.push(dnsmasq);
      if (process.argv.includes('--minimal')) refs.push(await startMinimal(root));
      const pin = process.argv.includes('--pin') ? parsePin(flag('--pin')?.includes('/') ? flag('--pin') : undefined, flag('--client-procs')) : null;
      if (pin) {
        for (const t of [ours, ...refs]) pinProcess(t.pid, pin.server);
        pinProcess(process.pid, pin.clients);
        console.log(`pinned: servers on CPUs ${pin.server}, ${pin.procs} client process(es) on CPUs ${pin.clients}`);
      }
      for (const n of counts) await compare(n, rounds, files, ours, refs, { link, pin, root });
    } finally {
      await ours.stop();
      for (const ref of refs) await ref.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
