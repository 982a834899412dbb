// Runs external programs (apt-get, depmod, xz, btrfs, cp, exportfs, mtools,
// debugfs, ...) from an argv array, never a shell string: `runTool` with a
// timeout and a logger answers `{ code, stdout, stderr }` or a ToolError.
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { MissingToolError, ToolError } from './errors.js';
import type { Logger } from './log.js';

/** One program run: argv[0] is the program. */
export interface ToolRun {
  argv: string[];
  timeoutMs: number;
  logger: Logger;
  cwd?: string;
  /** Variables added to bootherd's own environment. */
  env?: Record<string, string>;
  /** Cap on captured stdout/stderr bytes each (default 16 MiB); the rest is dropped. */
  maxBuffer?: number;
}

/** How a program ended. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` to its end; resolves with any exit code, rejects with ToolError when it cannot start, is killed by a signal or runs past its timeout. */
export function runTool(r: ToolRun): Promise<ToolResult> {
  const [cmd, ...args] = r.argv;
  if (!cmd) return Promise.reject(new ToolError('(none)', 'no program given'));
  const cap = r.maxBuffer ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: r.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: r.env ? { ...process.env, ...r.env } : process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout.on('data', (c: Buffer) => (outLen < cap ? (out.push(c), (outLen += c.length)) : 0));
    child.stderr.on('data', (c: Buffer) => (errLen < cap ? (err.push(c), (errLen += c.length)) : 0));
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), r.timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ToolError(cmd, e.code === 'ENOENT' ? 'not found: is it installed?' : e.message, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      r.logger.debug('tool finished', { argv: r.argv.join(' '), code, signal });
      if (timedOut) return reject(new ToolError(cmd, `still running after ${r.timeoutMs} ms: killed`));
      if (code === null) return reject(new ToolError(cmd, `killed by ${signal ?? 'a signal'}: ${lastLines(stderr)}`));
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** Like runTool, but a non-zero exit is a ToolError naming the program and its stderr's last lines. */
export async function runToolOk(r: ToolRun): Promise<ToolResult> {
  const res = await runTool(r);
  if (res.code !== 0) throw new ToolError(r.argv[0]!, `exited ${res.code}: ${lastLines(res.stderr) || lastLines(res.stdout)}`);
  return res;
}

/** The last few lines of a program's output, on one line. */
export function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** Options for one builder command run. */
export interface RunOptions {
  cwd?: string;
  maxBuffer?: number;
}

/** Runs `cmd args` and resolves with its stdout as text; rejects with stderr's tail (the image builder's helper). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return runRaw(cmd, args, opts).then((b) => b.toString('utf8'));
}

/** Runs `cmd args` and resolves with its stdout as bytes. */
export function runRaw(cmd: string, args: string[], opts: RunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const options = { cwd: opts.cwd, maxBuffer: opts.maxBuffer ?? 256 * 1024 * 1024, encoding: 'buffer' as const };
    execFile(cmd, args, options, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      reject(new ToolError(cmd, `failed: ${lastLines(stderr.toString('utf8')) || err.message}`, { cause: err }));
    });
  });
}

/** Finds `tool` in the standard bin/sbin dirs or throws naming its Debian package. */
export async function requireTool(tool: string, debianPackage: string, searchPath = defaultSearchPath()): Promise<string> {
  const found = await findTool(tool, searchPath);
  if (found) return found;
  throw new MissingToolError(tool, debianPackage);
}

/** The path of `tool` in the standard bin/sbin dirs, or null. */
export async function findTool(tool: string, searchPath = defaultSearchPath()): Promise<string | null> {
  for (const dir of searchPath) {
    const candidate = path.join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function defaultSearchPath(): string[] {
  return ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
}

