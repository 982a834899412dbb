// TFTP boot storm (DESIGN.md §7): N simulated Pi 4 clients fetch a discovery
// boot set at once, first from a real `bootherd serve` (each Pi under its own
// serial prefix, so it is enrolled and gets rendered config.txt/cmdline.txt,
// the rest from the firmware dir), then from dnsmasq's TFTP serving the same
// files from a directory.
//
//   node dist/bench/tftp.js [--clients 50,200] [--rounds 1] [--only bootherd] [--minimal]
//                           [--loss PCT [--dup PCT] [--reorder PCT] [--seed N]] [--bootherd-config FILE]
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
// Each client has its own loopback address (127.0.x.y), like a rack of Pis with
// their own IPs, and one UDP socket per transfer.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLossyProxy } from '../test/helpers/lossy-proxy.js';
import type { LossModel, ProxyCounts } from '../test/helpers/lossy-proxy.js';
import { piClient, tftpGet } from '../test/helpers/tftp-client.js';
import { startBootherd, startDnsmasq, startMinimal } from './tftp-targets.js';
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
  clientCpu: number;
}

/** The lossy link of --loss, one model for each way. */
interface Link {
  model: LossModel;
  seed: number;
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
async function bootOnePi(to: { host: string; port: number }, target: Target, files: Map<string, Buffer>, i: number, t0: number, lossy: boolean): Promise<{ bytes: number; failed: number; kernelAt: number; resent: number }> {
  const out = { bytes: 0, failed: 0, kernelAt: 0, resent: 0 };
  const localAddress = `127.0.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`;
  // Through a lossy link the Pi's per-file timeout decides; without one a storm may take longer.
  const pi = lossy ? piClient : { ...piClient, fileTimeoutMs: undefined };
  const common = { ...pi, ...to, localAddress, keepData: false };
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

async function storm(target: Target, files: Map<string, Buffer>, clients: number, link: Link | null): Promise<StormResult> {
  const proxy = link && (await startLossyProxy({ target: { host: target.host, port: target.port }, seed: link.seed, toServer: link.model, toClient: link.model }));
  const to = proxy ? { host: proxy.address, port: proxy.port } : { host: target.host, port: target.port };
  const resends0 = await target.resends();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const server0 = target.cpuSeconds();
  const runs = Array.from({ length: clients }, (_, i) => bootOnePi(to, target, files, i, t0, link !== null));
  const results = await Promise.all(runs);
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = server0 === null ? null : (target.cpuSeconds() ?? 0) - server0;
  const clientCpu = ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpu0));
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
    clientCpu,
  };
}

function report(name: string, r: StormResult): number {
  const mibs = r.bytes / MiB / r.seconds;
  const perGiB = (cpu: number | null) => (cpu === null ? '?' : ((cpu * 1024 * MiB) / r.bytes).toFixed(1));
  console.log(`${name.padEnd(9)} N=${String(r.clients).padStart(3)}  ${mibs.toFixed(1).padStart(7)} MiB/s  last kernel ${r.kernelSeconds.toFixed(1).padStart(6)} s  all done ${r.seconds.toFixed(1).padStart(6)} s  ${(r.bytes / MiB).toFixed(0)} MiB  failed ${r.failed}  resent ${r.resent}  CPU s per GiB: server ${perGiB(r.serverCpu)} clients ${perGiB(r.clientCpu)}`);
  if (r.proxy) {
    const own = r.serverResends ? `; server counted ${r.serverResends.retransmits} retransmissions, ${r.serverResends.spurious} spurious` : '';
    const lost = `${r.proxy.toServer.dropped + r.proxy.toClient.dropped} of ${r.proxy.toServer.forwarded + r.proxy.toServer.dropped + r.proxy.toClient.forwarded + r.proxy.toClient.dropped} datagrams dropped`;
    console.log(`          boot sets complete ${r.setsComplete}/${r.clients}; duplicate DATA seen by clients ${r.resent}${own}; proxy: ${lost}`);
  }
  return mibs;
}

// Storms rotate through the servers (a different one first each round) so
// that other load on the machine drifts over all alike. This machine's speed
// drifts by a third over minutes, so each round's ratios are printed and the
// median of those paired ratios is reported beside the ratio of medians.
async function compare(n: number, rounds: number, files: Map<string, Buffer>, ours: Target, refs: Target[], link: Link | null): Promise<void> {
  const all = [ours, ...refs];
  const results: Array<Map<string, number>> = []; // MiB/s per server, one map per round
  const ratio = (round: Map<string, number>, ref: Target) => (round.get(ours.name) ?? 0) / (round.get(ref.name) ?? 1);
  for (let r = 0; r < rounds; r++) {
    const round = new Map<string, number>();
    for (const t of all.map((_, i) => all[(i + r) % all.length]!)) round.set(t.name, report(t.name, await storm(t, files, n, link)));
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
  const pct = (name: string) => Number(flag(name) ?? 0) / 100;
  const link: Link | null = flag('--loss') === undefined ? null : { model: { drop: pct('--loss'), duplicate: pct('--dup'), reorder: pct('--reorder') }, seed: Number(flag('--seed') ?? 1) };
  if (link) console.log(`through a lossy proxy, each way: ${JSON.stringify(link.model)}, seed ${link.seed}`);
  const counts = (flag('--clients') ?? (link ? '20' : '50,200')).split(',').map(Number).filter((n) => n > 0);
  const rounds = Math.max(1, Number(flag('--rounds') ?? 1));
  const work = await mkdtemp(path.join(tmpdir(), 'bootherd-bench-tftp-'));
  await chmod(work, 0o755);
  const root = path.join(work, 'root');
  try {
    const files = await writeBootSet(root);
    const only = flag('--only');
    const ours = await startBootherd(root, work, flag('--bootherd-config'));
    const refs: Target[] = [];
    try {
      const dnsmasq = only === 'bootherd' ? 'left out by --only bootherd' : await startDnsmasq(root, work);
      if (typeof dnsmasq === 'string') console.log(`dnsmasq skipped: ${dnsmasq}`);
      else refs.push(dnsmasq);
      if (process.argv.includes('--minimal')) refs.push(await startMinimal(root));
      for (const n of counts) await compare(n, rounds, files, ours, refs, link);
    } finally {
      await ours.stop();
      for (const ref of refs) await ref.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
