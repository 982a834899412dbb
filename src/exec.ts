// Runs external programs (ipmitool, apt-get, dpkg-deb, depmod, ...): one argv
// array, never a shell string, a timeout, and a logger. Answers with the exit
// code and output, or a ProgramError when the program could not run at all.
import { spawn } from 'node:child_process';
import { ProgramError } from './errors.js';
import type { Logger } from './log.js';

/** Options for one run. */
export interface ProgramOptions {
  timeoutMs: number;
  logger: Logger;
  cwd?: string;
  /** Variables added to the environment (a password for `ipmitool -E`, not in argv for ps to show). */
  env?: Record<string, string>;
  /** Output beyond this many bytes per stream is dropped (default 256 MiB). */
  maxBytes?: number;
}

/** How a program ended. */
export interface ProgramResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs `argv[0]` with `argv.slice(1)` as its arguments; rejects with ProgramError when it cannot start, is killed, or outlives its timeout. */
export function runProgram(argv: readonly string[], opts: ProgramOptions): Promise<ProgramResult> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new ProgramError('spawn', '(none)', 'exec: empty argv'));
  const max = opts.maxBytes ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ? { ...process.env, ...opts.env } : process.env, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const sizes = [0, 0];
    const collect = (into: Buffer[], i: 0 | 1) => (c: Buffer) => {
      if (sizes[i]! + c.length <= max) into.push(c);
      sizes[i] = sizes[i]! + c.length;
    };
    child.stdout.on('data', collect(out, 0));
    child.stderr.on('data', collect(err, 1));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const kind = e.code === 'ENOENT' ? 'missing' : 'spawn';
      reject(new ProgramError(kind, cmd, `${cmd}: ${kind === 'missing' ? 'not installed (not found on PATH)' : e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
      opts.logger.debug('program ran', { cmd, code, signal, timedOut });
      if (timedOut) return reject(new ProgramError('timeout', cmd, `${cmd}: no answer within ${opts.timeoutMs} ms (killed)`));
      if (signal) return reject(new ProgramError('killed', cmd, `${cmd}: killed by ${signal}`));
      resolve(result);
    });
  });
}

/** The last lines of a program's stderr (or stdout), for an error message. */
export function outputTail(r: ProgramResult, lines = 5): string {
  const text = (r.stderr.length ? r.stderr : r.stdout).toString('utf8').trim();
  return text.split('\n').slice(-lines).join(' | ');
}
