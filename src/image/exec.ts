// Runs host tools (apt-get, dpkg-deb, depmod, xz, zstd) for the builder.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { ImageBuildError, MissingToolError } from './errors.js';

/** Options for one command run. */
export interface RunOptions {
  cwd?: string;
  maxBuffer?: number;
}

/** Runs `cmd args` and resolves with its stdout as text; rejects with stderr's tail. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return runRaw(cmd, args, opts).then((b) => b.toString('utf8'));
}

/** Runs `cmd args` and resolves with its stdout as bytes. */
export function runRaw(cmd: string, args: string[], opts: RunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const options = { cwd: opts.cwd, maxBuffer: opts.maxBuffer ?? 256 * 1024 * 1024, encoding: 'buffer' as const };
    execFile(cmd, args, options, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const tail = stderr.toString('utf8').trim().split('\n').slice(-5).join(' | ');
      reject(new ImageBuildError(`${cmd} failed: ${tail || err.message}`, { cause: err }));
    });
  });
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
