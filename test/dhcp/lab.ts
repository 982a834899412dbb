// A real DHCP segment for the tests (shared/TEST-LAB.md): three network
// namespaces with random names, joined by a bridge in the server's namespace.
// `dhcp` runs the site's DHCP server (real dnsmasq, leases only); `server`
// runs `bootherd serve`; `client` holds the simulated boards. Everything is
// removed by close(), also after a failure.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliPath } from '../helpers/process.js';
import { packageRoot } from '../../src/paths.js';
import type { ClientHello, SeenReply } from './client.js';

/** One lab: namespaces, addresses, dnsmasq. */
export interface Lab {
  ns: { server: string; dhcp: string; client: string };
  /** bootherd's address on the bridge, the DHCP server's, and the lease range. */
  serverIp: string;
  dhcpIp: string;
  prefix: string;
  bridge: string;
  tmp: string;
  /** Runs argv inside a namespace (through `ip netns exec`). */
  exec(ns: string, argv: string[], opts?: { input?: string; timeoutMs?: number }): { code: number | null; stdout: string; stderr: string };
  /** Starts a long-running program inside a namespace. */
  spawnIn(ns: string, argv: string[]): ChildProcess;
  /** Sends one PXE packet from the client namespace (0.0.0.0:68 -> 255.255.255.255:67, or to a unicast address) and returns what came back. */
  client(hello: ClientHello, opts?: { to?: string; port?: number; waitMs?: number; bindIp?: string }): SeenReply[];
  dnsmasqLog(): string;
  close(): void;
}

/** Fails with the package to install unless `ip` and dnsmasq are present; never skips. */
export function requireLabTools(): void {
  for (const [bin, pkg] of [['ip', 'iproute2'], ['dnsmasq', 'dnsmasq-base']] as const) {
    const r = spawnSync(bin, ['-V'], { stdio: 'ignore' });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(`${bin} not found: install the Debian package ${pkg} (scripts/install-test-deps.sh)`);
  }
  if (process.getuid?.() !== 0) throw new Error('the DHCP lab needs root (network namespaces); run the tests as root as CI does');
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Builds the segment and starts dnsmasq as the site's ordinary DHCP server (no PXE, --no-ping). */
export function createLab(opts: { dnsmasqArgs?: string[] } = {}): Lab {
  requireLabTools();
  const sfx = randomBytes(3).toString('hex');
  const ns = { server: `bhs-${sfx}`, dhcp: `bhd-${sfx}`, client: `bhc-${sfx}` };
  const net = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]!}`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bootherd-lab-'));
  const made: string[] = [];
  let dnsmasq: ChildProcess | undefined;
  const close = () => {
    if (dnsmasq && dnsmasq.exitCode === null) dnsmasq.kill('SIGKILL');
    for (const n of made.reverse()) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    for (const n of Object.values(ns)) {
      ip('netns', 'add', n);
      made.push(n);
      ip('-n', n, 'link', 'set', 'lo', 'up');
    }
    ip('-n', ns.server, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', ns.server, 'addr', 'add', `${net}.1/24`, 'dev', 'br0');
    ip('-n', ns.server, 'link', 'set', 'br0', 'up');
    for (const [peer, addr] of [[ns.dhcp, `${net}.2/24`], [ns.client, null]] as const) {
      ip('link', 'add', 'eth0', 'netns', peer, 'type', 'veth', 'peer', 'name', `v${peer.slice(2)}`, 'netns', ns.server);
      ip('-n', ns.server, 'link', 'set', `v${peer.slice(2)}`, 'master', 'br0', 'up');
      ip('-n', peer, 'link', 'set', 'eth0', 'up');
      if (addr) ip('-n', peer, 'addr', 'add', addr, 'dev', 'eth0');
      else ip('-n', peer, 'route', 'add', 'default', 'dev', 'eth0');
    }
    // Router advertisements, so iPXE does not wait ~13 s for IPv6 (TEST-LAB.md).
    ip('-n', ns.dhcp, 'addr', 'add', `fd5e:${randomBytes(2).toString('hex')}::2/64`, 'dev', 'eth0', 'nodad');
    const log = path.join(tmp, 'dnsmasq.log');
    dnsmasq = spawn('ip', ['netns', 'exec', ns.dhcp, 'dnsmasq', '--no-daemon', '--port=0', '--conf-file=/dev/null', '--interface=eth0', '--bind-interfaces',
      `--dhcp-range=${net}.100,${net}.199,255.255.255.0,10m`, '--enable-ra', '--dhcp-range=::,constructor:eth0,ra-only', '--no-ping', '--log-dhcp', `--log-facility=${log}`, `--dhcp-leasefile=${path.join(tmp, 'leases')}`, '--dhcp-authoritative', ...(opts.dnsmasqArgs ?? [])],
    { stdio: 'ignore' });
  } catch (err) {
    close();
    throw err;
  }
  const exec: Lab['exec'] = (n, argv, o = {}) => {
    const r = spawnSync('ip', ['netns', 'exec', n, ...argv], { encoding: 'utf8', input: o.input, timeout: o.timeoutMs ?? 60_000 });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return {
    ns, serverIp: `${net}.1`, dhcpIp: `${net}.2`, prefix: net, bridge: 'br0', tmp, exec,
    spawnIn: (n, argv) => spawn('ip', ['netns', 'exec', n, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }),
    client(hello, o = {}) {
      const script = path.join(packageRoot, 'dist/test/dhcp/ns-client.js');
      const arg = JSON.stringify({ ...hello, machineId: hello.machineId?.toString('hex'), to: o.to ?? '255.255.255.255', port: o.port ?? 67, waitMs: o.waitMs ?? 4000, bindIp: o.bindIp ?? '0.0.0.0' });
      const r = exec(ns.client, [process.execPath, script, arg]);
      if (r.code !== 0) throw new Error(`ns-client failed (${r.code}): ${r.stderr}`);
      return JSON.parse(r.stdout) as SeenReply[];
    },
    dnsmasqLog: () => {
      try {
        return readFileSync(path.join(tmp, 'dnsmasq.log'), 'utf8');
      } catch {
        return '';
      }
    },
    close,
  };
}

/** A `bootherd serve` running inside the lab's server namespace, reached through `ip netns exec ... curl`. */
export interface LabBootherd {
  port: number;
  output(): string;
  api(method: string, p: string, body?: unknown): { status: number; body: any };
  stop(): Promise<void>;
}

/** Starts `bootherd serve ARGS` in the server namespace and waits for its banner. */
export async function startLabBootherd(lab: Lab, dataDir: string, args: string[]): Promise<LabBootherd> {
  const proc = lab.spawnIn(lab.ns.server, [process.execPath, cliPath, 'serve', '--data-dir', dataDir, '--http', '0.0.0.0:0', '--advertise', lab.serverIp, ...args]);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.on('close', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /http: listening on http:\/\/[^\s:]+:(\d+)/.exec(out);
      if (m && /point DHCP at/.test(out)) (clearInterval(timer), resolve(Number(m[1])));
      if (proc.exitCode !== null) (clearInterval(timer), reject(new Error(`bootherd serve exited ${proc.exitCode}:\n${out}`)));
    }, 50);
  });
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  return {
    port,
    output: () => out,
    api(method, p, body) {
      const argv = ['curl', '-s', '-X', method, '-H', `authorization: Bearer ${token}`, '-w', '\n%{http_code}', `http://127.0.0.1:${port}${p}`];
      if (body !== undefined) argv.push('-H', 'content-type: application/json', '--data-binary', '@-');
      const r = lab.exec(lab.ns.server, argv, { input: body === undefined ? undefined : JSON.stringify(body) });
      const nl = r.stdout.lastIndexOf('\n');
      const text = r.stdout.slice(0, nl);
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON
      }
      return { status: Number(r.stdout.slice(nl + 1)), body: parsed };
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
