// Runs the real `bootherd` command as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { cliPath } from '../../src/paths.js';

export { cliPath };

/** Runs `bootherd ARGS` to completion; with `timeoutMs`, a command still running then is killed (code null). */
export function runCli(args: string[], env: Record<string, string> = {}, opts: { timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : null;
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `bootherd serve` child process, started and listening. */
export interface ServeProcess {
  proc: ChildProcess;
  url: string;
  output: () => string;
  tftpPorts: number[];
  exited: Promise<number | null>;
}

/** Starts `bootherd serve ARGS` (under `node NODEARGS`) and waits for its listening lines. */
export function startServe(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeArgs, cliPath, 'serve', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /http: listening on (http:\/\/[^\s]+)/.exec(out);
      if (m && /point DHCP at/.test(out)) {
        const tftpPorts = [...out.matchAll(/tftp: listening on [^\s]+:(\d+)/g)].map((x) => Number(x[1]));
        resolve({ proc, url: m[1]!, output: () => out, tftpPorts, exited });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`bootherd serve exited with ${code} before listening:\n${out}`)));
  });
}
