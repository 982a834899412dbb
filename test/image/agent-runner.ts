// Runs the discovery agent on the host under busybox sh, with only busybox
// applets on PATH (as in the initramfs).
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { packageRoot } from '../../src/paths.js';

/** The agent script in the source tree. */
export const agentScript = path.join(packageRoot, 'discovery-image', 'agent.sh');

let appletDir: string | undefined;

/** A directory of busybox applet symlinks; fails naming the Debian package when busybox is missing. */
export async function busyboxApplets(): Promise<string> {
  if (appletDir) return appletDir;
  const dir = path.join(os.tmpdir(), 'bootherd-busybox-applets');
  try {
    await mkdir(dir, { recursive: true });
    execFileSync('busybox', ['--install', '-s', dir], { stdio: 'ignore' });
  } catch (cause) {
    throw new Error('busybox not found: install the Debian package busybox-static', { cause });
  }
  appletDir = dir;
  return dir;
}

/** A line the agent wrote, with when the test saw it. */
export interface TimedLine {
  at: number;
  line: string;
}

/** What one agent run produced. */
export interface AgentRun {
  code: number | null;
  stdout: string;
  log: TimedLine[];
}

/** Runs `agent.sh args` with `env` added (and `stdin`); the agent's log goes to stderr and is timestamped. */
export async function runAgent(args: string[], env: Record<string, string>, timeoutMs = 60_000, stdin?: string): Promise<AgentRun> {
  const bin = await busyboxApplets();
  const child = spawn(path.join(bin, 'sh'), [agentScript, ...args], {
    env: { PATH: bin, BOOTHERD_CONSOLE: '-', ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(stdin);
  let stdout = '';
  const log: TimedLine[] = [];
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  let partial = '';
  child.stderr?.on('data', (c: Buffer) => {
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) log.push({ at: Date.now(), line });
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, log };
}
