// Starts the pyghmi test BMC (test/helpers/bmc.py) with Debian's python3.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';

/** A running BMC. */
export interface TestBmc {
  port: number;
  /** Chassis controls it carried out, in order (on, off, cycle). */
  controls(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Throws naming the Debian packages unless pyghmi and ipmitool are installed. */
export function requireIpmi(): void {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import pyghmi.ipmi.bmc'], { stdio: 'ignore' });
  } catch {
    throw new Error('pyghmi not importable by /usr/bin/python3: install the Debian package python3-pyghmi (scripts/install-test-deps.sh)');
  }
  try {
    execFileSync('ipmitool', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('ipmitool not found: install the Debian package ipmitool (scripts/install-test-deps.sh)');
  }
}

/** Starts a BMC on 127.0.0.1; with `qmp`, its power controls drive that QEMU. */
export async function startBmc(opts: { qmp?: string } = {}): Promise<TestBmc> {
  requireIpmi();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bootherd-bmc-'));
  const log = path.join(dir, 'controls.log');
  const proc: ChildProcess = spawn('/usr/bin/python3', [path.join(packageRoot, 'test', 'helpers', 'bmc.py'), '--log', log, ...(opts.qmp ? ['--qmp', opts.qmp] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`test BMC exited before listening: ${err}`)));
  });
  return {
    port,
    controls: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
