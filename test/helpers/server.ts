// Starts a real bootherd (HTTP on 127.0.0.1:0, temp data dir, real SQLite
// file) in-process, and a small JSON client for it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Flags } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBootherd, type Running } from '../../src/main.js';

/** A running test server. */
export interface TestServer {
  url: string;
  token: string;
  dataDir: string;
  running: Running;
  /** Calls the API with the admin token (or `auth`: a token, or null for none). */
  api(method: string, p: string, body?: unknown, opts?: { auth?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/** Starts bootherd with extra flags; the data dir is removed on stop unless `keep`. */
export async function startTestServer(flags: Flags = {}, opts: { dataDir?: string; keep?: boolean; now?: () => Date; noKernel?: boolean } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'bootherd-test-'));
  // A firmware dir with a kernel, so targets without an image have something to boot (bootherd refuses them otherwise).
  if (!opts.noKernel && flags['firmware-dir'] === undefined) {
    mkdirSync(path.join(dataDir, 'firmware'), { recursive: true });
    for (const k of ['kernel8.img', 'vmlinuz']) writeFileSync(path.join(dataDir, 'firmware', k), 'test kernel\n');
  }
  const config = loadConfig({ 'data-dir': dataDir, http: '127.0.0.1:0', 'no-tftp': true, 'log-level': 'silent', ...flags }, {});
  const running = await startBootherd(config, silentLogger, opts.now);
  const url = `http://127.0.0.1:${running.http.port}`;
  const api: TestServer['api'] = async (method, p, body, o = {}) => {
    const auth = o.auth === undefined ? running.adminToken : o.auth;
    const res = await fetch(url + p, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    url,
    token: running.adminToken,
    dataDir,
    running,
    api,
    async stop() {
      await running.stop();
      if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A minimal valid inventory for a Pi 4 with the given serial and MAC. */
export function piInventory(serial: string, mac: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serial: `10000000${serial}`,
    revision: 'c03111',
    model: 'Raspberry Pi 4 Model B Rev 1.1',
    arch: 'aarch64',
    cpus: 4,
    memoryBytes: 4124000000,
    nics: [{ name: 'eth0', mac, booted: true }],
    disks: [{ name: 'sda', sizeBytes: 32017047552, model: 'Ultra Fit', serial: '4C530001', transport: 'usb', removable: true, partitions: [{ name: 'sda1', partuuid: 'c1f95d14-01', fstype: 'vfat' }, { name: 'sda2', partuuid: 'c1f95d14-02', fstype: 'ext4' }] }],
    ...extra,
  };
}
