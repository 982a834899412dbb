// Runs host tools (apt-get, dpkg-deb, depmod, xz, zstd) for the builder,
// through the one program runner (src/exec.ts), as image-build errors.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { runProgram } from '../exec.js';
import { silentLogger } from '../log.js';
import { ImageBuildError, MissingToolError } from './errors.js';

/** Options for one command run. */
export interface RunOptions {
  cwd?: string;
  maxBuffer?: number;
}

// Downloads of kernel packages on a slow mirror take minutes, never half an hour.
const toolTimeoutMs = 30 * 60_000;

/** Runs `cmd args` and resolves with its stdout as text; rejects with stderr's tail. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return runRaw(cmd, args, opts).then((b) => b.toString('utf8'));
}

/** Runs `cmd args` and resolves with its stdout as bytes. */
export async function runRaw(cmd: string, args: string[], opts: RunOptions = {}): Promise<Buffer> {
  const r = await runProgram([cmd, ...args], { timeoutMs: toolTimeoutMs, logger: silentLogger, cwd: opts.cwd, maxBytes: opts.maxBuffer }).catch((err: unknown) => {
    throw new ImageBuildError(`${cmd} failed: ${(err as Error).message}`, { cause: err });
  });
  if (r.code === 0) return r.stdout;
  const tail = r.stderr.toString('utf8').trim().split('\n').slice(-5).join(' | ');
  throw new ImageBuildError(`${cmd} failed: ${tail || `exit code ${r.code}`}`);
}

/** Finds `tool` in the standard bin/sbin dirs or throws naming its Debian package. */
export async function requireTool(tool: string, debianPackage: string, searchPath = defaultSearchPath()): Promise<string> {
  for (const dir of searchPath) {
    const candidate = path.join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new MissingToolError(tool, debianPackage);
}

function defaultSearchPath(): string[] {
  return ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
}
