// A small rack for the simulator's tests: a boot set in a temp dir, a real
// bootherd (in process) and simulated boards, all on loopback.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { createSimulation, startSimServer, writeBootSet, smallSizes, type BootSet, type BootSetSizes, type SimServer, type Simulation, type SimulationOptions } from '../../src/sim/index.js';

/** A running rack. */
export interface Rack {
  sim: Simulation;
  server: SimServer;
  set: BootSet;
  dir: string;
  stop(): Promise<void>;
}

/** Starts bootherd and attaches the boards (still off). */
export async function startRack(o: SimulationOptions & { proxyDhcp?: boolean; sizes?: BootSetSizes; serverConfig?: (dir: string) => Record<string, unknown>; prepare?: (set: BootSet, dir: string) => void }): Promise<Rack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-sim-test-'));
  const sim = await createSimulation(o);
  const set = await writeBootSet(path.join(dir, 'files'), o.sizes ?? smallSizes);
  o.prepare?.(set, dir);
  const server = await startSimServer({ dataDir: path.join(dir, 'data'), bootSet: set, dhcpSegment: o.proxyDhcp === false ? null : sim.segment.address, boards: o.specs.length, timeScale: o.timeScale, mode: 'in-process', logLevel: 'error', config: o.serverConfig?.(dir) });
  sim.attach({ tftp: server.tftp, dhcp: server.dhcp, httpUrl: server.url });
  return {
    sim, server, set, dir,
    async stop() {
      await sim.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The recorded Pi 4 sequence (shared/fixtures/pi4-rrq-sequence.txt), one path per request. */
export function recordedPi4Sequence(): string[] {
  return readFileSync(path.join(packageRoot, '../shared/fixtures/pi4-rrq-sequence.txt'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** A TFTP RRQ decoded from the wire, independently of the simulator's encoder. */
export interface WireRrq {
  path: string;
  mode: string;
  options: string[];
}

/** Decodes an RRQ datagram, or null for any other packet. */
export function decodeRrq(msg: Buffer): WireRrq | null {
  if (msg.length < 4 || msg.readUInt16BE(0) !== 1) return null;
  const parts = msg.toString('latin1', 2).split('\0');
  parts.pop();
  const [p, mode, ...options] = parts;
  return { path: p ?? '', mode: mode ?? '', options };
}

/** Polls until `f` is truthy (generous: the machine is shared). */
export async function until<T>(what: string, f: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
