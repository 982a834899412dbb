// Shared fixtures for the TFTP tests: temp dirs of random files, a server on
// 127.0.0.1 port 0 backed by the file cache, and transfer records.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, silentLogger } from '../../src/log.js';
import { createFileCache, createTftpServer } from '../../src/tftp/index.js';
import type { FileCacheStats, TftpRequest, TftpServer, TftpServerOptions, TftpStats, TransferRecord } from '../../src/tftp/index.js';

/** A temp dir holding the named random files. */
export interface Fixture {
  dir: string;
  files: Map<string, Buffer>;
  cleanup(): Promise<void>;
}

/** Writes random files of the given sizes into a fresh temp dir. */
export async function makeFixture(sizes: Record<string, number>): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bootherd-tftp-'));
  const files = new Map<string, Buffer>();
  for (const [name, size] of Object.entries(sizes)) {
    const buf = randomBytes(size);
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), buf);
    files.set(name, buf);
  }
  return { dir, files, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Edge sizes every client is tried with: empty, one short block, exact multiples of 512/1024/1468. */
export const edgeSizes: Record<string, number> = {
  'empty.bin': 0,
  'one.bin': 1,
  'exact512.bin': 512,
  'exact1024x3.bin': 1024 * 3,
  'exact1468x2.bin': 1468 * 2,
  'kernel.img': 3 * 1024 * 1024 + 123,
};

/** A started server over a fixture dir, with every TransferRecord kept. */
export interface Running {
  server: TftpServer;
  port: number;
  addresses: Array<{ address: string; port: number }>;
  records: TransferRecord[];
  /** Every request the handler saw. */
  requests: TftpRequest[];
  stop(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0 serving `dir` through the file cache. */
export async function startServer(dir: string, extra: Partial<TftpServerOptions> = {}, cacheOpts = { maxBytes: 256 * 1024 * 1024, maxFileBytes: 64 * 1024 * 1024 }): Promise<Running> {
  const cache = createFileCache(cacheOpts);
  const records: TransferRecord[] = [];
  const requests: TftpRequest[] = [];
  const server = createTftpServer({
    handler: (req) => {
      requests.push(req);
      return cache.file(path.join(dir, req.path));
    },
    listen: [{ host: '127.0.0.1', port: 0 }],
    timeoutMs: 200,
    logger: process.env.TFTP_DEBUG ? createLogger('debug') : silentLogger,
    onTransfer: (rec) => records.push(rec),
    ...extra,
  });
  const addresses = await server.start();
  return { server, port: addresses[0]?.port ?? 0, addresses, records, requests, stop: () => server.stop() };
}

/** What a server in its own process reports (server-process.ts). */
export interface ProcessStats {
  rss: number;
  cache: FileCacheStats;
  peakBytes: number;
  tftp: TftpStats;
}

/** A server over `dir` with its defaults, in a process of its own. */
export interface ServerProcess {
  port: number;
  /** Its figures now (after a full GC when forked with gc). */
  stats(): Promise<ProcessStats>;
  stop(): Promise<void>;
}

/** Forks test/tftp/server-process.ts over `dir`; `gc` adds --expose-gc so RSS is measured after a full collection. */
export async function forkServer(dir: string, cacheBytes: number, opts: { gc?: boolean } = {}): Promise<ServerProcess> {
  const child = fork(fileURLToPath(new URL('./server-process.js', import.meta.url)), [dir, String(cacheBytes)], { execArgv: opts.gc ? ['--expose-gc'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting: Array<{ resolve: (m: unknown) => void; reject: (e: Error) => void }> = [];
  const next = () => new Promise<unknown>((resolve, reject) => waiting.push({ resolve, reject }));
  child.on('message', (m) => waiting.shift()?.resolve(m));
  child.on('exit', (code) => waiting.splice(0).forEach((w) => w.reject(new Error(`tftp server process exited with ${code}`))));
  const { port } = (await next()) as { port: number };
  return {
    port,
    stats() {
      const reply = next();
      child.send('stats');
      return reply as Promise<ProcessStats>;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await exited;
    },
  };
}

/** Hex sha256 of a buffer. */
export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Resolves once `cond()` holds, polling every 10 ms (fails after 10 s). */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A bare UDP peer on 127.0.0.1 for hand-written exchanges. */
export interface RawPeer {
  send(buf: Buffer, port: number, address?: string): void;
  /** The next datagram received (rejects after timeoutMs, default 5 s). */
  next(timeoutMs?: number): Promise<{ msg: Buffer; port: number; address: string }>;
  /** Closes once every send has left (dgram sends are asynchronous). */
  close(): Promise<void>;
}

/** Opens a RawPeer bound to 127.0.0.1 on a free port. */
export async function rawPeer(): Promise<RawPeer> {
  const socket = dgram.createSocket('udp4');
  const queue: Array<{ msg: Buffer; port: number; address: string }> = [];
  const waiters: Array<(m: { msg: Buffer; port: number; address: string }) => void> = [];
  socket.on('message', (msg, r) => {
    const item = { msg, port: r.port, address: r.address };
    const w = waiters.shift();
    if (w) w(item);
    else queue.push(item);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let pending: Promise<void> = Promise.resolve();
  return {
    send(buf, port, address = '127.0.0.1') {
      const sent = new Promise<void>((resolve) => socket.send(buf, port, address, () => resolve()));
      pending = pending.then(() => sent);
      return undefined;
    },
    next(timeoutMs = 5000) {
      const item = queue.shift();
      if (item) return Promise.resolve(item);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('raw peer: no datagram')), timeoutMs);
        waiters.push((m) => {
          clearTimeout(t);
          resolve(m);
        });
      });
    },
    close: () => pending.then(() => void socket.close()),
  };
}
