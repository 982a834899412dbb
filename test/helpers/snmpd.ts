// A real snmpd (Debian's) on 127.0.0.1 and a free UDP port, standing in for a
// PoE switch: `pass` handlers serve POWER-ETHERNET-MIB pethPsePortAdminEnable
// (read-write) and the BRIDGE-MIB / Q-BRIDGE-MIB forwarding tables from files
// the test writes, and log every SET. Communities `communities.rw` and
// `communities.ro`; v3 user `bootherd` (SHA/AES, authPriv).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { adminEnableOid, dot1dTpFdbPortOid, dot1qTpFdbPortOid } from '../../src/power/drivers/snmp-poe.js';

/** A running snmpd. */
export interface Snmpd {
  port: number;
  dir: string;
  /** Every SET the switch accepted, in order, as `port=value`. */
  sets(): Promise<string[]>;
  /** The admin state (1 on, 2 off) of a PoE port as the switch holds it. */
  portState(port: number): Promise<number | null>;
  stop(): Promise<void>;
}

/** The communities snmpd takes: read-write and read-only (distinctive, so a test can search for leaks). */
export const communities = { rw: 'rw-c0mmunity-7f3a', ro: 'ro-c0mmunity-9b2e' };

/** The v3 credentials snmpd is configured with. */
export const snmpV3 = { user: 'bootherd', authKey: 'auth-secret-1234', privKey: 'priv-secret-5678' };

/** Throws naming the Debian package unless snmpd is installed. */
export function requireSnmpd(): void {
  try {
    execFileSync('/usr/sbin/snmpd', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error('/usr/sbin/snmpd not found: install the Debian package snmpd (scripts/install-test-deps.sh)');
  }
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const macOid = (mac: string) => mac.split(':').map((h) => parseInt(h, 16)).join('.');

/** Starts snmpd with `ports` PoE ports (all on) and forwarding tables `fdb` (MAC -> bridge port) and `qfdb` (MAC -> port, FDB id 1). */
export async function startSnmpd(opts: { ports?: number; fdb?: Record<string, number>; qfdb?: Record<string, number> } = {}): Promise<Snmpd> {
  requireSnmpd();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bootherd-snmpd-'));
  await chmod(dir, 0o755);
  const ports = Array.from({ length: opts.ports ?? 8 }, (_, i) => `1.${i + 1}\tinteger\t1`);
  await writeFile(path.join(dir, 'poe.tsv'), ports.join('\n') + '\n');
  await writeFile(path.join(dir, 'fdb.tsv'), Object.entries(opts.fdb ?? {}).map(([mac, p]) => `${macOid(mac)}\tinteger\t${p}`).join('\n') + '\n');
  await writeFile(path.join(dir, 'qfdb.tsv'), Object.entries(opts.qfdb ?? {}).map(([mac, p]) => `1.${macOid(mac)}\tinteger\t${p}`).join('\n') + '\n');
  const script = path.join(packageRoot, 'test', 'helpers', 'snmp-pass.py');
  const pass = async (name: string, base: string, table: string, mode: string) => {
    const wrapper = path.join(dir, `${name}.sh`);
    await writeFile(wrapper, `#!/bin/sh\nexec /usr/bin/python3 ${script} .${base} ${table} ${dir} ${mode} "$@"\n`, { mode: 0o755 });
    return `pass .${base} ${wrapper}`;
  };
  const port = await freeUdpPort();
  const conf = [
    `agentAddress udp:127.0.0.1:${port}`,
    `rwcommunity ${communities.rw} 127.0.0.1`,
    `rocommunity ${communities.ro} 127.0.0.1`,
    `createUser ${snmpV3.user} SHA "${snmpV3.authKey}" AES "${snmpV3.privKey}"`,
    `rwuser ${snmpV3.user} priv`,
    await pass('poe', adminEnableOid, 'poe', 'rw'),
    await pass('fdb', dot1dTpFdbPortOid, 'fdb', 'ro'),
    await pass('qfdb', dot1qTpFdbPortOid, 'qfdb', 'ro'),
  ].join('\n') + '\n';
  await writeFile(path.join(dir, 'snmpd.conf'), conf);
  const proc: ChildProcess = spawn('/usr/sbin/snmpd', ['-f', '-Lf', path.join(dir, 'snmpd.log'), '-C', '-c', path.join(dir, 'snmpd.conf'), '-p', path.join(dir, 'snmpd.pid')], {
    env: { PATH: '/usr/sbin:/usr/bin:/bin', SNMP_PERSISTENT_DIR: dir, MIBS: '' }, stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  await waitListening(port, dir, proc);
  return {
    port,
    dir,
    async sets() {
      const text = await readFile(path.join(dir, 'sets.log'), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((l) => l.replace(/^1\.(\d+) (\d)$/, '$1=$2'));
    },
    async portState(p) {
      const text = await readFile(path.join(dir, 'poe.tsv'), 'utf8');
      const row = text.split('\n').find((l) => l.startsWith(`1.${p}\t`));
      return row ? Number(row.split('\t')[2]) : null;
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitListening(port: number, dir: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const log = await readFile(path.join(dir, 'snmpd.log'), 'utf8').catch(() => '');
    if (/NET-SNMP version/.test(log)) return;
    if (proc.exitCode !== null) throw new Error(`snmpd exited with ${proc.exitCode}:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`snmpd did not start on 127.0.0.1:${port}: ${await readFile(path.join(dir, 'snmpd.log'), 'utf8').catch(() => '')}`);
}
