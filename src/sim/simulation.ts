// A simulated rack: the shared link, the scaled clock, the DHCP segment and
// the boards, with power for all and a wait until they got where they should.
import { createServer, type Server } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { createBoard, type Board, type BoardEnv } from './board.js';
import { createClock, sleepReal, type SimClock } from './clock.js';
import { createDhcpSegment, type DhcpSegment } from './dhcp-client.js';
import { createLink, type Link, type LinkSettings } from './link.js';
import type { WireTap } from './net.js';
import type { BoardEvent, BoardSpec, BoardTimings, PiQuirks } from './types.js';

/** What a simulation is made of. */
export interface SimulationOptions {
  specs: BoardSpec[];
  link?: LinkSettings;
  timeScale?: number;
  timings?: Partial<BoardTimings>;
  quirks?: Partial<PiQuirks>;
  verify?: boolean;
  tap?: WireTap;
  netbootOnly?: boolean;
  onEvent?: (board: Board, e: BoardEvent) => void;
}

/** The rack before it meets a server: make the segment first, since bootherd's proxy must know where to answer. */
export interface Simulation {
  readonly boards: Board[];
  readonly link: Link;
  readonly clock: SimClock;
  readonly segment: DhcpSegment;
  /** Wires the boards to bootherd; call once, before power. */
  attach(servers: { tftp: { address: string; port: number }; dhcp: { address: string; port: number } | null; httpUrl: string }): void;
  powerOnAll(): void;
  powerOffAll(): void;
  /** Waits (real time) until `done(board)` holds for every board or `timeoutMs` passes; the boards still short of it. */
  waitFor(done: (b: Board) => boolean, timeoutMs: number): Promise<Board[]>;
  close(): Promise<void>;
}

/** Creates the rack (boards off). */
export async function createSimulation(o: SimulationOptions): Promise<Simulation> {
  const link = createLink(o.link ?? { bytesPerSecond: 0 });
  const clock = createClock(o.timeScale ?? 1);
  const segment = await createDhcpSegment();
  let boards: Board[] = [];
  return {
    get boards() {
      return boards;
    },
    link, clock, segment,
    attach(s) {
      if (boards.length) throw new Error('sim: boards already attached');
      const env: BoardEnv = {
        network: { dhcp: s.dhcp ? { server: s.dhcp, segment } : null, tftp: s.tftp, chainUrl: `${s.httpUrl}/boot.ipxe`, httpUrl: s.httpUrl },
        link, clock, timings: o.timings, quirks: o.quirks, verify: o.verify, tap: o.tap, onEvent: o.onEvent, netbootOnly: o.netbootOnly,
      };
      boards = o.specs.map((spec) => createBoard(spec, env));
    },
    powerOnAll: () => boards.forEach((b) => b.powerOn()),
    powerOffAll: () => boards.forEach((b) => b.powerOff()),
    async waitFor(done, timeoutMs) {
      const until = performance.now() + timeoutMs;
      for (;;) {
        const left = boards.filter((b) => !done(b));
        if (left.length === 0 || performance.now() >= until) return left;
        await sleepReal(Math.min(200, Math.max(1, until - performance.now())));
      }
    },
    async close() {
      boards.forEach((b) => b.powerOff());
      await segment.close();
    },
  };
}

/** A plain file server for disk images on 127.0.0.1 (an operator's image host); `url(file)` names a file under `dir`. */
export async function startImageServer(dir: string): Promise<{ url(file: string): string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const rel = decodeURIComponent((req.url ?? '/').split('?')[0]!).replace(/^\/+/, '');
    const file = path.join(dir, rel);
    if (rel.split('/').includes('..') || !file.startsWith(dir)) return void res.writeHead(400).end();
    try {
      const size = statSync(file).size;
      res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (file) => `http://127.0.0.1:${port}/${path.relative(dir, file).split(path.sep).join('/')}`,
    stop: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
