// Shared by the end-to-end tests: the discovery image built into a bootherd
// data dir, a real `bootherd serve` child process with an admin API client,
// and polling helpers. Everything meets through bootherd's own endpoints.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runImageCommand } from '../../src/image/cli.js';
import { silentLogger } from '../../src/log.js';
import { startServe, type ServeProcess } from '../helpers/process.js';
import { testCacheDir } from '../image/qemu-setup.js';
import type { GuestArch } from '../helpers/qemu.js';

/** Builds the discovery image for `arch` into `<dataDir>/assets/discovery/<arch>/` through `bootherd image build`'s entry point. */
export async function buildIntoDataDir(arch: GuestArch, dataDir: string, progress: (line: string) => void): Promise<string> {
  const outDir = path.join(dataDir, 'assets', 'discovery', arch);
  let out = '';
  const code = await runImageCommand(['build', '--arch', arch, '--out', outDir, '--cache', await testCacheDir()], {
    logger: silentLogger,
    stdout: (s) => {
      out += s;
      for (const line of s.split('\n')) if (line) progress(line);
    },
  });
  if (code !== 0) throw new Error(`image build --arch ${arch} exited ${code}:\n${out}`);
  return outDir;
}

/** sha256 of a file, hex. */
export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** sha256 of bytes, hex. */
export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** A JSON answer from bootherd. */
export interface ApiAnswer {
  status: number;
  body: any;
}

/** A running `bootherd serve` and an admin client for it. */
export interface Bootherd {
  serve: ServeProcess;
  /** Host-side base URL (http://127.0.0.1:PORT). */
  url: string;
  port: number;
  adminToken: string;
  /** Calls the admin API with the admin token. */
  api(method: string, p: string, body?: unknown): Promise<ApiAnswer>;
  /** GETs a URL without credentials (node-facing endpoints) and returns the bytes. */
  fetchBytes(p: string): Promise<{ status: number; bytes: Buffer }>;
  stop(): Promise<void>;
}

/** Starts the real `bootherd serve` on 127.0.0.1:0 without TFTP, advertising 10.0.2.2 (the QEMU user-net host). */
export async function startBootherd(dataDir: string, extraArgs: string[] = []): Promise<Bootherd> {
  const serve = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--advertise', '10.0.2.2', '--log-level', 'warn', ...extraArgs]);
  const port = Number(new URL(serve.url).port);
  const adminToken = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
  const url = `http://127.0.0.1:${port}`;
  return {
    serve,
    url,
    port,
    adminToken,
    async api(method, p, body) {
      const res = await fetch(url + p, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed };
    },
    async fetchBytes(p) {
      const res = await fetch(url + p);
      return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
    },
    async stop() {
      if (serve.proc.exitCode === null && serve.proc.signalCode === null) serve.proc.kill('SIGTERM');
      const timer = setTimeout(() => serve.proc.kill('SIGKILL'), 10_000);
      await serve.exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined; fails after `timeoutMs` with `what` and the last seen state. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, describe: () => Promise<string> | string = () => '', everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${await describe()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One node event as the API lists it. */
export interface NodeEvent {
  id: number;
  kind: string;
  data: Record<string, unknown>;
  at?: string;
}

/** The node's events, oldest first as bootherd stores them. */
export async function nodeEvents(b: Bootherd, ref: string): Promise<NodeEvent[]> {
  const res = await b.api('GET', `/api/v1/nodes/${encodeURIComponent(ref)}/events?limit=500`);
  if (res.status !== 200) throw new Error(`events of ${ref}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { events: NodeEvent[] }).events;
}

/** The last `n` characters of a text, for failure messages. */
export function tail(text: string, n = 3000): string {
  return text.length > n ? '...' + text.slice(-n) : text;
}
