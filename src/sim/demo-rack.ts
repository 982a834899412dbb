// The rack `bootherd demo` boots: a temporary directory with a boot set, a
// bootherd in this process on loopback (HTTP and TFTP on 127.0.0.1 port 0,
// proxyDHCP on free loopback ports), a `sim` power controller switching every
// board on its own port, short watchdog timings, images and enrollment rules;
// and the simulated boards, still off.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Board } from './board.js';
import { smallSizes, writeBootSet } from './boot-set.js';
import { makeFleet } from './fleet.js';
import { startSimServer, type SimServer } from './server.js';
import { createSimulation, type Simulation } from './simulation.js';
import { createSwitchboard, portOf } from './switchboard.js';
import type { BoardSpec } from './types.js';

/** What the demo does with a board besides booting it. */
export type DemoRole = 'usb-switch' | 'wedge' | null;

/** One board of the demo and what it should end up running. */
export interface DemoBoard {
  board: Board;
  port: string;
  role: DemoRole;
  expected: 'nfs-root' | 'usb-root';
}

/** How big and how fast. */
export interface DemoRackOptions {
  boards: number;
  /** Board time per real time (the simulator's time scale). */
  timeScale: number;
  /** Where the temporary directory goes (default: the system's). */
  tmpRoot?: string;
}

/** A running demo rack. */
export interface DemoRack {
  dir: string;
  dataDir: string;
  server: SimServer;
  sim: Simulation;
  boards: DemoBoard[];
  /** The watchdog timings the demo runs with. */
  watchdog: { sweepSeconds: number; heartbeatSeconds: number; policy: 'rescue' };
  /** Stops the boards and bootherd and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/** The demo's power controller. */
export const demoController = 'rack1-power';
const watchdog = { sweepSeconds: 2, heartbeatSeconds: 10, policy: 'rescue' as const };

// A Pi with a USB disk holding a root (a Raspberry Pi OS layout) to switch to usb-root; one is given such a disk if none has it.
function pickUsbBoard(specs: BoardSpec[]): number {
  const pis = specs.map((s, i) => [s, i] as const).filter(([s]) => s.kind !== 'x86');
  const ready = pis.find(([s]) => s.disks.some((d) => d.transport === 'usb' && d.partitions.some((p) => p.fstype === 'ext4')));
  if (ready) return ready[1];
  const [spec, i] = pis[0]!;
  const id = spec.serial!;
  specs[i] = { ...spec, disks: [{ name: 'sda', sizeBytes: 120e9, model: 'Extreme SSD', serial: `3535${id}`, transport: 'usb', removable: true, bootable: false, partitions: [
    { name: 'sda1', number: 1, partuuid: `${id}-01`, fstype: 'vfat', label: 'bootfs', sizeBytes: 512 * 1024 * 1024 },
    { name: 'sda2', number: 2, partuuid: `${id}-02`, fstype: 'ext4', label: 'rootfs', sizeBytes: 119e9 },
  ] }] };
  return i;
}

/** The fleet: N boards, a Pi 5 and an x86 iPXE box among them when N allows, and who plays which part. */
export function demoFleet(n: number): { specs: BoardSpec[]; usb: number; wedge: number } {
  const specs = makeFleet(n, { pi5: n >= 3 ? Math.max(1, Math.floor(n / 10)) : 0, x86: n >= 4 ? Math.max(1, Math.floor(n / 10)) : 0, seed: 7 });
  const usb = pickUsbBoard(specs);
  const others = specs.map((s, i) => [s, i] as const).filter(([s, i]) => s.kind !== 'x86' && i !== usb);
  const wedge = (others.find(([s]) => s.kind === 'pi4') ?? others[0])?.[1] ?? usb;
  return { specs, usb, wedge };
}

/** Starts the demo's bootherd and attaches the boards (off). */
export async function startDemoRack(o: DemoRackOptions): Promise<DemoRack> {
  if (!Number.isInteger(o.boards) || o.boards < 2) throw new RangeError('the demo needs at least 2 boards');
  const dir = mkdtempSync(path.join(o.tmpRoot ?? os.tmpdir(), 'bootherd-demo-'));
  let sim: Simulation | null = null;
  let server: SimServer | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= (async () => {
    // bootherd first, so that nothing switches a board on again; then the boards (off cancels a cycle under way).
    await server?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  })());
  try {
    const { specs, usb, wedge } = demoFleet(o.boards);
    const simulation = await createSimulation({ specs, timeScale: o.timeScale });
    sim = simulation;
    const set = await writeBootSet(path.join(dir, 'files'), smallSizes);
    const switchboard = createSwitchboard(specs, () => simulation.boards);
    server = await startSimServer({
      dataDir: path.join(dir, 'data'), bootSet: set, dhcpSegment: simulation.segment.address, boards: o.boards, mode: 'in-process', logLevel: 'error',
      config: { watchdog }, powerControllers: [{ name: demoController, driver: 'sim', switchboard }],
    });
    await configure(server, set);
    simulation.attach({ tftp: server.tftp, dhcp: server.dhcp, httpUrl: server.url });
    const boards = simulation.boards.map((board, i): DemoBoard => ({ board, port: portOf(i), role: i === usb ? 'usb-switch' : i === wedge ? 'wedge' : null, expected: i === usb ? 'usb-root' : 'nfs-root' }));
    return { dir, dataDir: path.join(dir, 'data'), server, sim: simulation, boards, watchdog, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// Images for both architectures, and the rules: every Pi `rack1-pi{seq:02}`, the x86 boxes `rack1-x86-{seq:02}`, nfs-root, power on the sim controller by MAC.
async function configure(server: SimServer, set: Awaited<ReturnType<typeof writeBootSet>>): Promise<void> {
  const put = async (method: string, p: string, body: unknown) => {
    const r = await server.api(method, p, body);
    if (r.status >= 300) throw new Error(`demo: ${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await put('PUT', '/api/v1/images/raspios', { arch: 'arm64', bootDir: set.images.pi.bootDir, kernel: set.images.pi.kernel, initramfs: set.images.pi.initramfs });
  await put('PUT', '/api/v1/images/debian', { arch: 'amd64', bootDir: set.images.x86.bootDir, kernel: set.images.x86.kernel, initramfs: set.images.x86.initramfs });
  const power = { controller: demoController, port: 'auto' };
  const target = (image: string) => ({ kind: 'nfs-root', image, server: '127.0.0.1', path: '/srv/roots/{hostname}' });
  await put('POST', '/api/v1/rules', { name: 'rack1', priority: 10, match: { arch: 'aarch64' }, apply: { hostname: 'rack1-pi{seq:02}', labels: { rack: 'rack1' }, target: target('raspios'), power } });
  await put('POST', '/api/v1/rules', { name: 'rack1-x86', priority: 20, match: { arch: 'x86_64' }, apply: { hostname: 'rack1-x86-{seq:02}', labels: { rack: 'rack1' }, target: target('debian'), power } });
}
