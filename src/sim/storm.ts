// The whole-flow storm (DESIGN §7, §13): a real bootherd, a boot set of
// realistic (or small) sizes, enrollment rules giving every board a target,
// N boards powered on at once through one link; then what each board reached,
// checked against what bootherd says of its node.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeBootSet, smallSizes, type BootSet, type BootSetSizes } from './boot-set.js';
import type { Board } from './board.js';
import { makeFleet } from './fleet.js';
import type { LinkSettings } from './link.js';
import { createSimulation, startImageServer } from './simulation.js';
import { startSimServer, type SimServer } from './server.js';
import { stormFigures, type StormFigures } from './storm-figures.js';
import type { BoardEvent, BoardSpec, BoardTimings, Misbehaviour } from './types.js';

/** A storm to run. */
export interface StormOptions {
  boards: number;
  /** Pi 5s and x86 iPXE servers among them (default: 2 % each, at least 1 when boards >= 20). */
  pi5?: number;
  x86?: number;
  /** bootherd answers DHCP (default true); off, the boards are told the TFTP server and chain URL. */
  proxyDhcp?: boolean;
  timeScale?: number;
  link?: LinkSettings;
  sizes?: BootSetSizes;
  /** Real ms to wait for every board to be up (default 10 board minutes). */
  deadlineMs?: number;
  server?: 'child' | 'in-process';
  /** More bootherd config (e.g. `{ admission: { enabled: false } }`; admission's timings are already scaled to timeScale). */
  serverConfig?: Record<string, unknown>;
  timings?: Partial<BoardTimings>;
  misbehave?: (i: number, spec: BoardSpec) => Misbehaviour | undefined;
  verify?: boolean;
  seed?: number;
  onProgress?: (up: number, total: number) => void;
  /** Every board event as it happens (the board's index in the fleet). */
  onEvent?: (index: number, e: BoardEvent) => void;
}

/** What a board should end up running. */
export type Expected = 'nfs-root' | 'usb-root' | 'none';

/** One board after the storm. */
export interface BoardOutcome {
  name: string;
  kind: string;
  expected: Expected;
  os: string | null;
  /** The last thing that happened to it (os-up, stalled, agent-silent, garbage-sent, ...). */
  phase: string;
  upAt: number | null;
  loops: number[];
  firstTry: boolean;
  /** Why the board counts as failed, or null. */
  failure: string | null;
}

/** The storm's result. */
export interface StormResult {
  options: StormOptions;
  outcomes: BoardOutcome[];
  figures: StormFigures;
  /** bootherd answered /healthz after the storm. */
  serverHealthy: boolean;
}

/** The target each board's rule gives it: x86 and every 10th Pi with a USB disk install then boot usb-root, other Pis with a USB root usb-root, the rest nfs-root. */
export function plannedTarget(spec: BoardSpec, i: number): 'install' | 'usb-root' | 'nfs-root' {
  if (spec.kind === 'x86') return 'install';
  const usb = spec.disks.find((d) => d.transport === 'usb');
  if (usb && i % 10 === 3) return 'install';
  if (usb?.partitions.some((p) => p.fstype === 'ext4')) return 'usb-root';
  return 'nfs-root';
}

/** What a board should end up running: nothing asked of a board told to stall, stay silent, send garbage or lose packets (it may come up, or time out as a real one would). */
export function expectedOf(spec: BoardSpec, i: number): Expected {
  const m = spec.misbehave;
  if (m && (m.garbage || m.stallAfterFirmware || m.stallMidKernel || m.neverReport || (m.lossShare ?? 0) > 0)) return 'none';
  return plannedTarget(spec, i) === 'nfs-root' ? 'nfs-root' : 'usb-root';
}

/** Runs one storm from a fresh temporary directory. */
export async function runStorm(o: StormOptions): Promise<StormResult> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'bootherd-storm-'));
  const few = (share: number) => Math.max(o.boards >= 20 ? 1 : 0, Math.round(o.boards * share));
  const specs = makeFleet(o.boards, { pi5: o.pi5 ?? few(0.02), x86: o.x86 ?? few(0.02), seed: o.seed, misbehave: o.misbehave });
  const index = new Map(specs.map((spec, i) => [spec.name, i]));
  const onEvent = o.onEvent ? (b: Board, e: BoardEvent) => o.onEvent!(index.get(b.spec.name)!, e) : undefined;
  const sim = await createSimulation({ specs, link: o.link, timeScale: o.timeScale, timings: o.timings, verify: o.verify, onEvent });
  let server: SimServer | null = null;
  const images = { stop: async () => undefined, url: (f: string) => f };
  try {
    const set = await writeBootSet(path.join(work, 'files'), o.sizes ?? smallSizes);
    const img = await startImageServer(set.dir);
    Object.assign(images, img);
    server = await startSimServer({ dataDir: path.join(work, 'data'), bootSet: set, dhcpSegment: o.proxyDhcp === false ? null : sim.segment.address, config: o.serverConfig, boards: o.boards, timeScale: o.timeScale, mode: o.server, logLevel: 'error' });
    await configure(server, set, specs, img.url);
    sim.attach({ tftp: server.tftp, dhcp: server.dhcp, httpUrl: server.url });
    const cpu0 = server.usage()?.cpuSeconds ?? null;
    const simCpu0 = process.cpuUsage();
    const t0 = sim.clock.now();
    sim.powerOnAll();
    const deadline = o.deadlineMs ?? sim.clock.scaled(600_000);
    const progress = o.onProgress ? setInterval(() => o.onProgress!(sim.boards.filter(isUp).length, o.boards), 2000) : null;
    const done = new WeakSet<Board>();
    await sim.waitFor((b) => done.has(b) || (settled(b) && done.add(b) !== undefined), deadline);
    if (progress) clearInterval(progress);
    const seconds = (sim.clock.now() - t0) / 1000;
    const usage = server.usage();
    const outcomes = await judge(server, sim.boards, specs);
    const serverHealthy = (await server.api('GET', '/healthz').catch(() => ({ status: 0 }))).status === 200;
    sim.powerOffAll();
    const simCpu = process.cpuUsage(simCpu0);
    const figures = stormFigures(outcomes, { seconds, t0, link: sim.link, usage, cpu0, simCpuSeconds: (simCpu.user + simCpu.system) / 1e6, timeScale: sim.clock.timeScale });
    return { options: o, outcomes, figures, serverHealthy };
  } finally {
    await sim.close();
    await server?.stop();
    await images.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function isUp(b: Board): boolean {
  return b.snapshot().upAt !== null;
}

/** A board is done with when it is up, or when its misbehaviour has played out (a lossy board: once past its first DHCP). */
function settled(b: Board): boolean {
  if (isUp(b)) return true;
  const m = b.spec.misbehave;
  if (!m) return false;
  const phase = b.snapshot().phase;
  if (m.garbage) return phase === 'garbage-sent';
  if (m.stallAfterFirmware || m.stallMidKernel) return phase === 'stalled';
  if (m.neverReport) return phase === 'agent-silent';
  if ((m.lossShare ?? 0) > 0) return phase !== 'power-on';
  return false;
}

// Images for the targets, and the rules that hand them out.
async function configure(server: SimServer, set: BootSet, specs: BoardSpec[], url: (file: string) => string): Promise<void> {
  const put = async (p: string, body: unknown, method = 'PUT') => {
    const r = await server.api(method, p, body);
    if (r.status >= 300) throw new Error(`sim: ${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  const disk = (d: BootSet['disks']['pi']) => ({ url: url(d.file), sha256: d.sha256, sizeBytes: d.sizeBytes });
  await put('/api/v1/images/raspios', { arch: 'arm64', bootDir: set.images.pi.bootDir, kernel: set.images.pi.kernel, initramfs: set.images.pi.initramfs, disk: disk(set.disks.pi) });
  await put('/api/v1/images/debian', { arch: 'amd64', bootDir: set.images.x86.bootDir, kernel: set.images.x86.kernel, initramfs: set.images.x86.initramfs, disk: disk(set.disks.x86) });
  const serialsOf = (t: string) => specs.filter((s, i) => s.kind !== 'x86' && plannedTarget(s, i) === t).map((s) => s.serial!);
  // bootherd installs only onto a disk the node reported, by a stable id: one rule per installing board, naming its disk's serial.
  const installs = specs.flatMap((s, i) => {
    const d = plannedTarget(s, i) === 'install' ? (s.kind === 'x86' ? s.disks[0] : s.disks.find((x) => x.transport === 'usb')) : undefined;
    if (!d?.serial) return [];
    const image = s.kind === 'x86' ? 'debian' : 'raspios';
    const match = s.kind === 'x86' ? { macPrefixes: [s.mac] } : { serials: [s.serial!] };
    return [{ name: `install-${String(i).padStart(4, '0')}`, priority: 10, match, apply: { hostname: s.kind === 'x86' ? 'rack1-x86-{mac}' : 'rack1-inst-{serial}', target: { kind: 'install', image, disk: d.serial, then: { kind: 'usb-root', image } } } }];
  });
  const rules = [
    ...installs,
    { name: 'pi-usb', priority: 30, match: { serials: serialsOf('usb-root') }, apply: { hostname: 'rack1-usb{seq:03}', target: { kind: 'usb-root', image: 'raspios' } } },
    { name: 'rack', priority: 100, match: {}, apply: { hostname: 'rack1-pi{seq:03}', target: { kind: 'nfs-root', image: 'raspios', server: '127.0.0.1', path: '/srv/roots/rack1' } } },
  ];
  for (const rule of rules) if (!('serials' in rule.match) || (rule.match.serials as string[]).length) await put('/api/v1/rules', rule, 'POST');
}

// What each board reached, and whether bootherd agrees: the node deployed with the planned target.
async function judge(server: SimServer, boards: Board[], specs: BoardSpec[]): Promise<BoardOutcome[]> {
  return Promise.all(boards.map(async (b, i): Promise<BoardOutcome> => {
    const s = b.snapshot();
    const expected = expectedOf(specs[i]!, i);
    const netboots = s.boots.filter((x) => x.firstTry !== null);
    const out: BoardOutcome = { name: s.name, kind: b.spec.kind, expected, os: s.os, phase: s.phase, upAt: s.upAt, loops: s.boots.map((x) => x.loops), firstTry: netboots.length > 0 && netboots.every((x) => x.firstTry), failure: null };
    if (expected === 'none') return out;
    if (s.upAt === null) return { ...out, failure: `not up (last: ${s.phase})` };
    if (s.os !== expected) return { ...out, failure: `runs ${s.os}, expected ${expected}` };
    const ref = b.spec.serial ?? b.spec.mac;
    const node = await server.api('GET', `/api/v1/nodes/${ref}`);
    if (node.status !== 200) return { ...out, failure: `bootherd has no node ${ref} (${node.status})` };
    if (node.body.state !== 'deployed' || node.body.target?.kind !== expected) return { ...out, failure: `bootherd says ${node.body.state}/${node.body.target?.kind}` };
    return out;
  }));
}
