// Running README shell blocks as a reader would type them: `bootherd` on the
// PATH (this checkout's CLI), bash with -e and pipefail, a working dir of the
// test's own; and reading the `bootherd` command lines of a block against the
// CLI's own command table, so a block that is not run is still checked.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commands } from '../../src/cli/registry.js';
import { findCommand, parseLine } from '../../src/cli/parse.js';
import { cliPath } from '../../src/paths.js';

/** A dir holding a `bootherd` that runs this checkout's CLI, for PATH. */
export function bootherdOnPath(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, 'bootherd');
  writeFileSync(bin, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} "$@"\n`);
  chmodSync(bin, 0o755);
  return dir;
}

/** Where and with what a block runs. */
export interface Shell {
  cwd: string;
  env: Record<string, string>;
}

/** What a finished block printed. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` in bash (-e, pipefail) to its end; with `captureEnv`, the environment it leaves is returned too. */
export function runBlock(sh: Shell, script: string, captureEnv = false): Promise<Ran & { envAfter?: Record<string, string> }> {
  const envFile = path.join(sh.cwd, '.env-after');
  const full = captureEnv ? `${script}\nenv -0 > ${JSON.stringify(envFile)}\n` : script;
  return new Promise((resolve) => {
    const p = spawn('bash', ['-eo', 'pipefail', '-c', full], { cwd: sh.cwd, env: sh.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => {
      const envAfter = captureEnv && code === 0 ? parseEnv(readFileSync(envFile, 'utf8')) : undefined;
      resolve({ code, stdout, stderr, envAfter });
    });
  });
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of text.split('\0').filter(Boolean)) {
    const eq = entry.indexOf('=');
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** A block left running (a server, a watch): its output so far, and a stop that ends its whole process group. */
export interface Background {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts `script` in bash in a process group of its own. */
export function startBlock(sh: Shell, script: string): Background {
  const proc = spawn('bash', ['-eo', 'pipefail', '-c', script], { cwd: sh.cwd, env: sh.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  return {
    proc, exited,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(-proc.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}

/** Splits one shell command line into words: quotes, backslashes and comments as sh reads them, no expansion. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '#' && cur === null) break; // a comment to the end of the line
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unclosed ${c} in: ${line}`);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < line.length) cur = (cur ?? '') + line[++i];
    else if (/\s/.test(c)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else cur = (cur ?? '') + c;
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** Every `bootherd ...` command of a block, as words (continuation lines joined; `&&`, `|`, `;` and `>` end a command). */
export function bootherdCommands(block: string): string[][] {
  const joined = block.replace(/\\\n/g, ' ');
  const out: string[][] = [];
  for (const line of joined.split('\n')) {
    if (line.trimStart().startsWith('#')) continue;
    for (const part of line.split(/&&|\|\||[|;]/)) {
      const words = shellWords(part.replace(/\s>.*$/, ''));
      const at = words.indexOf('bootherd');
      if (at >= 0 && (at === 0 || ['sudo', 'exec'].includes(words[at - 1]!))) out.push(words.slice(at + 1));
    }
  }
  return out;
}

/** Reads a command line (words after `bootherd`) with the CLI's own parser: null if it is a command the CLI takes as written, else why not. */
export function cliRefuses(argv: string[]): string | null {
  const found = findCommand(commands, argv);
  if (!('command' in found)) return `bootherd ${argv.join(' ')}: names no command`;
  try {
    parseLine(found.command, found.rest);
    return null;
  } catch (err) {
    return `bootherd ${argv.join(' ')}: ${(err as Error).message}`;
  }
}
