// The TFTP part of a storm, against bootherd and against dnsmasq: N Pi 4
// boards (the simulator's bootloader model, the same link) network-boot once
// the discovery boot set, from power-on to kernel and initramfs loaded.
// bootherd renders config.txt and cmdline.txt per board under its serial
// prefix; dnsmasq serves the same bytes from a flat directory (the boards
// drop the prefix there, as real ones do). bootherd runs without boot
// admission, with it behind its own proxyDHCP (deferred boards get no
// offer), and with it but no proxyDHCP (deferred boards get ERROR 0 at
// start4.elf); the boards of the other rows are told the TFTP server. The
// paced row is admission behind its proxyDHCP with the boards switched on one
// after another at the stagger a fresh bootherd's paced power-on plans
// (POST /api/v1/power/actions/power-on). Times are in rack seconds (real
// seconds over the time scale), from the first power-on.
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { staggerFromBudget } from '../src/domain/power-plan.js';
import { cpuOf, spawnDnsmasq } from './tftp-targets.js';
import { createSimulation, makeFleet, scaledAdmission, startSimServer, writeBootSet, type BootSet, type BootSetSizes, type LinkSettings, type Peer } from '../src/sim/index.js';

/** A TFTP server under test (and the proxyDHCP the boards ask, if any). */
export interface TftpTarget {
  name: string;
  tftp: { address: string; port: number };
  dhcp?: Peer | null;
  cpuSeconds(): number | null;
  stop(): Promise<void>;
}

/** Which servers the TFTP part runs: bootherd without and with admission (behind its proxyDHCP, TFTP only, or with paced power-on), dnsmasq. */
export const tftpRows = ['bootherd', 'admission', 'admission-tftp', 'admission-paced', 'dnsmasq'] as const;
/** One row of the TFTP part. */
export type TftpRow = (typeof tftpRows)[number];

/** Figures of one TFTP storm. */
export interface TftpFigures {
  boards: number;
  booted: number;
  firstTry: number;
  lastSeconds: number | null;
  p50: number | null;
  p99: number | null;
  failedLoops: number;
  cpuSeconds: number | null;
  bytes: number;
  /** Rack seconds from the first power-on at which the server fell silent for a minute with boards still waiting (the row ended there), or null. */
  silentFrom: number | null;
}

/** Runs the TFTP part against the target `start` makes (given the boards' DHCP segment); waits at most `deadlineMs` real ms. */
export async function tftpStorm(start: (segment: Peer) => Promise<TftpTarget>, n: number, o: { link: LinkSettings; timeScale: number; deadlineMs: number; seed?: number; staggerSeconds?: number }): Promise<TftpFigures> {
  const sim = await createSimulation({ specs: makeFleet(n, { seed: o.seed }), link: o.link, timeScale: o.timeScale, netbootOnly: true });
  const target = await start(sim.segment.address);
  try {
    sim.attach({ tftp: target.tftp, dhcp: target.dhcp ?? null, httpUrl: 'http://127.0.0.1:9' });
    const cpu0 = target.cpuSeconds();
    const t0 = sim.clock.now();
    if (o.staggerSeconds) void paced(sim.boards, (ms) => sim.clock.sleep(ms), o.staggerSeconds);
    else sim.powerOnAll();
    const booted = (b: (typeof sim.boards)[0]) => b.events.find((e) => e.kind === 'netbooted');
    const silentFrom = await waitOrSilence(sim, () => sim.boards.every((b) => booted(b)), o.deadlineMs, sim.clock.scaled(silenceMs));
    const cpu1 = target.cpuSeconds();
    const times = sim.boards.map((b) => booted(b)?.at).filter((t): t is number => t !== undefined).map((t) => (t - t0) / 1000 / o.timeScale).sort((a, b) => a - b);
    const pct = (p: number) => (times.length ? times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]! : null);
    return {
      boards: n, booted: times.length, firstTry: sim.boards.filter((b) => b.snapshot().boots[0]?.firstTry === true).length,
      lastSeconds: times.length === n ? times[n - 1]! : null, p50: pct(50), p99: pct(99),
      failedLoops: sim.boards.reduce((s, b) => s + b.snapshot().loopFailures, 0),
      cpuSeconds: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null, bytes: sim.link.down.stats().bytes,
      silentFrom: silentFrom === null ? null : (silentFrom - t0) / 1000 / o.timeScale,
    };
  } finally {
    await sim.close();
    await target.stop();
  }
}

/** Rack time without a byte from the server, boards still waiting, after which a row ends: the server has stopped. */
const silenceMs = 60_000;

// Waits until `done`, the deadline, or `silentMs` real ms in which the server sent nothing; returns when the silence began (sim clock ms), or null.
async function waitOrSilence(sim: { link: { down: { stats(): { bytes: number } } }; clock: { now(): number } }, done: () => boolean, deadlineMs: number, silentMs: number): Promise<number | null> {
  const end = sim.clock.now() + deadlineMs;
  let bytes = -1;
  let since = sim.clock.now();
  while (!done() && sim.clock.now() < end) {
    const b = sim.link.down.stats().bytes;
    if (b !== bytes) [bytes, since] = [b, sim.clock.now()];
    else if (sim.clock.now() - since >= silentMs) return since;
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

// Boards switched on one after another, `stagger` rack seconds apart.
async function paced(boards: ReadonlyArray<{ powerOn(): void }>, sleep: (ms: number) => Promise<void>, stagger: number): Promise<void> {
  for (const [i, b] of boards.entries()) {
    if (i > 0) await sleep(stagger * 1000).catch(() => undefined);
    b.powerOn();
  }
}

/** The stagger (rack seconds) a fresh bootherd plans for paced power-on, nothing measured yet. */
export function freshStagger(admission: Record<string, unknown> = {}): number {
  const a = { initialBoards: 16, headroom: 0.5, ...scaledAdmission(1), ...admission } as { initialBoards: number; headroom: number; fileTimeoutSeconds: number };
  return staggerFromBudget({ boards: a.initialBoards, largeShare: 1 }, { fileTimeoutMs: a.fileTimeoutSeconds * 1000, headroom: a.headroom });
}

/** One line of TFTP figures. */
export function formatTftp(label: string, f: TftpFigures): string {
  const s = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  return `${label.padEnd(22)} N=${String(f.boards).padStart(4)}  booted ${f.booted}/${f.boards}  first try ${f.firstTry}  failed loops ${f.failedLoops}  last ${s(f.lastSeconds)} s  p50 ${s(f.p50)} s  p99 ${s(f.p99)} s  server CPU ${s(f.cpuSeconds)} s  ${(f.bytes / 1e6).toFixed(0)} MB${f.silentFrom === null ? '' : `  (server silent from ${s(f.silentFrom)} s: row ended a minute later)`}`;
}

/** The discovery boot set as a flat directory dnsmasq can serve (config.txt and cmdline.txt written once for all). */
export async function flatDiscoveryDir(set: BootSet, dir: string): Promise<void> {
  await mkdir(path.join(dir, 'overlays'), { recursive: true });
  const from = (rel: string, to = path.basename(rel)) => copyFile(path.join(set.dir, rel), path.join(dir, to));
  await from('firmware/start4.elf');
  await from('firmware/fixup4.dat');
  await from('firmware/bcm2711-rpi-4-b.dtb');
  await from('firmware/overlays/overlay_map.dtb', 'overlays/overlay_map.dtb');
  await from('assets/discovery/arm64/vmlinuz');
  await from('assets/discovery/arm64/initramfs.gz');
  await writeFile(path.join(dir, 'config.txt'), '[all]\narm_64bit=1\nenable_uart=1\nkernel=vmlinuz\ninitramfs initramfs.gz followkernel\n');
  await writeFile(path.join(dir, 'cmdline.txt'), 'console=serial0,115200 console=tty1 bootherd.url=http://127.0.0.1:8080 bootherd.mode=discovery\n');
  for (const d of [dir, path.join(dir, 'overlays'), path.dirname(dir)]) await chmod(d, 0o755); // dnsmasq reads as nobody
}

/** dnsmasq's TFTP on 127.0.0.1:69 (it has no other port), or why it cannot run. */
export async function startDnsmasq(root: string, work: string): Promise<TftpTarget | string> {
  const d = await spawnDnsmasq(root, work);
  if (typeof d === 'string') return d;
  await new Promise((r) => setTimeout(r, 300));
  if (d.child.exitCode !== null) return `dnsmasq exited at once: ${d.log().trim()}`;
  return { name: 'dnsmasq', tftp: { address: '127.0.0.1', port: 69 }, cpuSeconds: () => cpuOf(d.child.pid), stop: d.stop };
}

/** What the TFTP part runs. */
export interface TftpPartOptions {
  link: LinkSettings;
  timeScale: number;
  deadlineMs: number;
  sizes: BootSetSizes;
  rows?: readonly TftpRow[];
  /** More admission config for the admission rows. */
  admission?: Record<string, unknown>;
}

/** The TFTP part for N boards: each row printed as one line. */
export async function tftpPart(n: number, o: TftpPartOptions): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bootherd-bench-storm-'));
  try {
    const set = await writeBootSet(path.join(work, 'files'), o.sizes);
    let run = 0;
    const bootherd = (admission: boolean, proxy: boolean) => async (segment: Peer): Promise<TftpTarget> => {
      const config = { admission: { ...o.admission, enabled: admission } };
      const server = await startSimServer({ dataDir: path.join(work, `data-${run++}`), bootSet: set, dhcpSegment: proxy ? segment : null, boards: n, timeScale: o.timeScale, config, logLevel: 'error' });
      return { name: 'bootherd', tftp: server.tftp, dhcp: server.dhcp, cpuSeconds: () => server.usage()?.cpuSeconds ?? null, stop: () => server.stop() };
    };
    const rows = o.rows ?? tftpRows;
    if (rows.includes('bootherd')) console.log(formatTftp('  tftp bootherd', await tftpStorm(bootherd(false, false), n, o)));
    if (rows.includes('admission')) console.log(formatTftp('  tftp + admission', await tftpStorm(bootherd(true, true), n, o)));
    if (rows.includes('admission-tftp')) console.log(formatTftp('  tftp + adm, no DHCP', await tftpStorm(bootherd(true, false), n, o)));
    if (rows.includes('admission-paced')) {
      const stagger = freshStagger(o.admission);
      console.log(`  (paced: boards switched on ${stagger.toFixed(2)} rack seconds apart)`);
      console.log(formatTftp('  tftp + adm + paced', await tftpStorm(bootherd(true, true), n, { ...o, staggerSeconds: stagger })));
    }
    if (!rows.includes('dnsmasq')) return;
    await flatDiscoveryDir(set, path.join(work, 'flat'));
    const dnsmasq = await startDnsmasq(path.join(work, 'flat'), work);
    if (typeof dnsmasq === 'string') return void console.log(`  tftp dnsmasq skipped: ${dnsmasq}`);
    console.log(formatTftp('  tftp dnsmasq', await tftpStorm(async () => dnsmasq, n, o)));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
