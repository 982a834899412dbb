// Program runs for the roots providers, exports writers and images import,
// through the one runner (src/exec.ts): output as text, and `runOk` turning
// a non-zero exit into an error that names the program and its last lines.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { outputTail, runProgram, type ProgramOptions } from '../exec.js';

/** How a program ended, output as text. */
export interface TextResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv`; resolves with any exit code (ProgramError when it cannot run, is killed or times out). */
export async function run(argv: string[], opts: ProgramOptions): Promise<TextResult> {
  const r = await runProgram(argv, opts);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Runs `argv`; a non-zero exit is an AppError `tool-failed`: `<program>: exited N: <last lines>`. */
export async function runOk(argv: string[], opts: ProgramOptions): Promise<TextResult> {
  const r = await runProgram(argv, opts);
  if (r.code !== 0) throw new AppError('tool-failed', `${argv[0]}: exited ${r.code}: ${outputTail(r)}`);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** The last few lines of a text, on one line. */
export function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** The path of `program` in the standard bin/sbin dirs, or null. */
export async function findProgram(program: string): Promise<string | null> {
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const candidate = path.join(dir, program);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return null;
}
