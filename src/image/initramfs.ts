// Assembles the discovery initramfs: busybox, /init, the agent, the modules.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { CpioEntry } from './cpio.js';
import { ImageBuildError } from './errors.js';
import { readModule } from './modules.js';

/** The inputs of one initramfs. */
export interface InitramfsInputs {
  agentDir: string;
  busybox: string;
  kernelVersion: string;
  moduleFiles: string[];
  /** More files (programs and their libraries), each at its path inside the initramfs. */
  extraFiles?: Array<{ path: string; from: string }>;
  buildInfo: Record<string, unknown>;
}

const baseDirs = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'run', 'tmp', 'etc', 'etc/bootherd', 'lib', 'lib/modules', 'mnt', 'root'];

/** Lists every initramfs member, parents before children, in a stable order. */
export async function initramfsEntries(inp: InitramfsInputs): Promise<CpioEntry[]> {
  const entries: CpioEntry[] = baseDirs.map((p) => ({ type: 'dir', path: p }));
  entries.push({ type: 'chardev', path: 'dev/console', major: 5, minor: 1 });
  entries.push({ type: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 });
  entries.push({ type: 'file', path: 'bin/busybox', data: await readFile(inp.busybox), mode: 0o755 });
  entries.push({ type: 'symlink', path: 'bin/sh', target: 'busybox' });
  entries.push(...(await agentEntries(inp.agentDir)));
  entries.push(...(await moduleEntries(inp.kernelVersion, inp.moduleFiles)));
  entries.push(...(await extraEntries(inp.extraFiles ?? [], new Set(baseDirs))));
  entries.push({ type: 'file', path: 'etc/bootherd/build.json', data: JSON.stringify(inp.buildInfo, null, 2) + '\n' });
  return entries;
}

async function agentEntries(agentDir: string): Promise<CpioEntry[]> {
  const init = await readFile(path.join(agentDir, 'init')).catch((cause: unknown) => {
    throw new ImageBuildError(`agent: no init script in ${agentDir}`, { cause });
  });
  const out: CpioEntry[] = [{ type: 'file', path: 'init', data: init, mode: 0o755 }, { type: 'dir', path: 'bootherd' }];
  for (const rel of await listTree(agentDir)) {
    if (rel === 'init' || /(^|\/)README|\.md$/.test(rel)) continue;
    const full = path.join(agentDir, rel);
    if (rel.endsWith('/')) out.push({ type: 'dir', path: `bootherd/${rel.slice(0, -1)}` });
    else out.push({ type: 'file', path: `bootherd/${rel}`, data: await readFile(full), mode: 0o755 });
  }
  return out;
}

/** Lists files under `dir` as relative paths, directories with a trailing slash before their contents. */
async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const items = await readdir(path.join(dir, prefix), { withFileTypes: true });
  for (const it of items.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${it.name}` : it.name;
    if (it.isDirectory()) out.push(`${rel}/`, ...(await listTree(dir, rel)));
    else if (it.isFile()) out.push(rel);
  }
  return out;
}

async function extraEntries(files: Array<{ path: string; from: string }>, dirs: Set<string>): Promise<CpioEntry[]> {
  const out: CpioEntry[] = [];
  for (const f of files) {
    const parts = f.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) (dirs.add(dir), out.push({ type: 'dir', path: dir }));
    }
    out.push({ type: 'file', path: f.path, data: await readFile(f.from), mode: 0o755 });
  }
  return out;
}

async function moduleEntries(version: string, files: string[]): Promise<CpioEntry[]> {
  const dir = `lib/modules/${version}`;
  const out: CpioEntry[] = [{ type: 'dir', path: dir }];
  const order: string[] = [];
  for (const file of files) {
    const name = path.basename(file).replace(/\.(xz|zst|gz)$/, '');
    order.push(name);
    out.push({ type: 'file', path: `${dir}/${name}`, data: await readModule(file) });
  }
  out.push({ type: 'file', path: 'etc/bootherd/modules', data: order.join('\n') + (order.length ? '\n' : '') });
  return out;
}
