// The bootherd a simulation boots from: `bootherd serve` as a child process
// (its CPU and memory measured apart from the boards) or in this process,
// on loopback (HTTP and TFTP on 127.0.0.1 port 0, the proxyDHCP on free
// loopback ports answering to the simulator's DHCP segment), with a config
// checked against bootherd's own schema before it starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startBootherd } from '../main.js';
import { packageRoot } from '../paths.js';
import type { BootSet } from './boot-set.js';
import type { Peer } from './net.js';

/** How to start bootherd. */
export interface SimServerOptions {
  dataDir: string;
  bootSet: BootSet;
  /** 'child' (default) runs `bootherd serve`; 'in-process' calls startBootherd. */
  mode?: 'child' | 'in-process';
  /** Where the proxyDHCP sends its offers (the segment); null turns the proxy off. */
  dhcpSegment: Peer | null;
  /** More config keys (e.g. `admission`, `tftp.maxTransfers`), merged over the storm's. */
  config?: Record<string, unknown>;
  /** Boards expected: enrollment limits are raised to fit them, where this bootherd has such limits. */
  boards: number;
  /** The boards' time scale: boot admission's timings (the boards' timeouts) are scaled to match. */
  timeScale?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Power controllers holding live objects a config file cannot (a `sim` switchboard); in-process only, checked by the config schema. */
  powerControllers?: Array<Record<string, unknown>>;
}

/** A started bootherd. */
export interface SimServer {
  url: string;
  tftp: Peer;
  dhcp: Peer | null;
  adminToken: string;
  /** The config it was started with, as written. */
  config: Record<string, unknown>;
  /** CPU seconds (user + system) and resident memory of the server, when it runs in its own process. */
  usage(): { cpuSeconds: number; rssBytes: number; peakRssBytes: number } | null;
  api(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** The storm's config: loopback everywhere, limits fitted to `boards`. */
export function simConfig(o: SimServerOptions, adminToken: string): Record<string, unknown> {
  const shape = configSchema.shape as Record<string, unknown>;
  // Scaled boards ask for DHCP 1/timeScale times as often: the per-client rate limit (a real Pi asks every 4 s) scales with them.
  const perClient = (o.timeScale ?? 1) < 1 ? Math.ceil(1 / (o.timeScale ?? 1)) : null;
  const raw: Record<string, unknown> = {
    dataDir: o.dataDir, http: '127.0.0.1:0', adminToken, logLevel: o.logLevel ?? 'warn',
    tftp: { listen: ['127.0.0.1:0'] },
    firmwareDir: o.bootSet.firmwareDir, assetsDir: o.bootSet.assetsDir, ipxeDir: o.bootSet.ipxeDir,
    ...(o.dhcpSegment ? { dhcp: { proxy: { enabled: true, listen: '127.0.0.1', port: 0, pxePort: 0, clientPort: o.dhcpSegment.port, replyAddress: o.dhcpSegment.address, ...(perClient ? { perClientPerSecond: perClient } : {}) } } } : {}),
  };
  // Every board has its own source address, so per-source limits hold; the pending-node cap must fit the rack.
  if ('enroll' in shape) raw.enroll = { perSourcePerMinute: 600, maxPendingNodes: Math.max(2048, 4 * o.boards) };
  if ('admission' in shape) raw.admission = scaledAdmission(o.timeScale ?? 1);
  for (const [key, value] of Object.entries(o.config ?? {})) {
    const old = raw[key];
    raw[key] = old && typeof old === 'object' && value && typeof value === 'object' && !Array.isArray(value) ? { ...old, ...value } : value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`sim: this bootherd does not take the storm's config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return raw;
}

/**
 * Boot admission's timings for boards at `timeScale`: their TFTP_FILE_TIMEOUT
 * and DHCP_TIMEOUT shrink, so do the deferral and slot limits. The proxy's
 * per-client rate limit (a burst, then a request a second) is not scaled, so
 * a scaled board's DHCP phase may be seen up to a second late: the deferral
 * limit keeps that second off, and forgetting a board stays above that pace.
 */
export function scaledAdmission(timeScale: number): { fileTimeoutSeconds: number; maxDeferSeconds: number; holdSeconds: number; slotSeconds: number; idleSeconds: number; forgetSeconds: number } {
  const s = (seconds: number, floor = 0.05) => Math.max(floor, Math.round(seconds * timeScale * 1000) / 1000);
  const lag = timeScale < 1 ? 1 : 0;
  return { fileTimeoutSeconds: s(30), maxDeferSeconds: Math.max(0.05, s(36) - lag), holdSeconds: s(22, 0), slotSeconds: s(120), idleSeconds: s(10, 0.5), forgetSeconds: s(10, 2) };
}

/** Starts bootherd for a simulation. */
export async function startSimServer(o: SimServerOptions): Promise<SimServer> {
  const adminToken = randomBytes(18).toString('base64url');
  const config = simConfig(o, adminToken);
  const file = path.join(o.dataDir, '..', 'bootherd-sim.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  if (o.powerControllers && o.mode !== 'in-process') throw new Error('sim: live power controllers need an in-process bootherd');
  const started = o.mode === 'in-process' ? await inProcess(file, o.powerControllers) : await child(file);
  const api: SimServer['api'] = async (method, p, body) => {
    const res = await fetch(started.url + p, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  };
  return { ...started, adminToken, config, api };
}

type Started = Pick<SimServer, 'url' | 'tftp' | 'dhcp' | 'usage' | 'stop'>;

async function inProcess(file: string, controllers?: Array<Record<string, unknown>>): Promise<Started> {
  const config = loadConfig({ config: file }, {});
  if (controllers) {
    const power = configSchema.shape.power.safeParse({ controllers });
    if (!power.success) throw new Error(`sim: power controllers refused: ${power.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    config.power = power.data;
  }
  const running = await startBootherd(config, createLogger(config.logLevel));
  const t = running.tftp[0]!;
  return {
    url: `http://127.0.0.1:${running.http.port}`, tftp: { address: t.address, port: t.port },
    dhcp: running.dhcp ? { address: running.dhcp.address, port: running.dhcp.port } : null,
    usage: () => null, stop: () => running.stop(),
  };
}

async function child(file: string): Promise<Started> {
  const cli = path.join(packageRoot, 'dist/src/cli/index.js');
  const proc = spawn(process.execPath, [cli, 'serve', '--config', file], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const lines = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/point DHCP at/.test(out)) resolve(out);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`sim: bootherd serve exited with ${code} before listening:\n${out}`)));
  });
  const http = /http: listening on (http:\/\/\S+)/.exec(lines);
  const tftp = /tftp: listening on (\S+):(\d+)/.exec(lines);
  const dhcp = /dhcp: proxyDHCP on \S+ \((\S+)\), UDP (\d+) and (\d+)/.exec(lines);
  if (!http || !tftp) throw new Error(`sim: cannot read where bootherd listens:\n${lines}`);
  proc.stdout.resume();
  proc.stderr.on('data', (d: Buffer) => process.stderr.write(`bootherd: ${d.toString()}`));
  return {
    url: http[1]!.replace('0.0.0.0', '127.0.0.1'), tftp: { address: tftp[1]!, port: Number(tftp[2]) },
    dhcp: dhcp ? { address: dhcp[1]!, port: Number(dhcp[2]) } : null,
    usage: () => usageOf(proc),
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

// utime + stime from /proc/PID/stat; VmRSS and VmHWM from /proc/PID/status (Linux).
function usageOf(proc: ChildProcess): { cpuSeconds: number; rssBytes: number; peakRssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
  } catch {
    return null;
  }
}
