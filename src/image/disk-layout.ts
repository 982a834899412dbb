// Reading an OS disk image without mounting it: its compression (by magic
// bytes), its partition table (sfdisk --json), which partition is the FAT boot
// partition and which the Linux root, and the architecture of its binaries.
import { open } from 'node:fs/promises';
import { ValidationError } from '../errors.js';
import { run } from '../roots/run.js';
import type { Logger } from '../log.js';

/** One partition, in bytes. */
export interface Partition {
  number: number;
  offset: number;
  size: number;
  type: string;
}

/** How a file is compressed, from its first bytes. */
export async function compressionOf(file: string): Promise<'none' | 'gzip' | 'xz'> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(6);
    await fh.read(b, 0, 6, 0);
    if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    return 'none';
  } finally {
    await fh.close();
  }
}

const fatTypes = new Set(['b', 'c', 'e', 'ef', 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b', 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7']);
const linuxTypes = new Set(['83', '0fc63daf-8483-4772-8e79-3d69d8477de4', 'b921b045-1df0-41c3-af44-4c6f280d3fae', '4f68bce3-e8cd-4db1-96e7-fbcaf984b709']);

/** The image's partitions; ValidationError when it has no partition table (not a disk image). */
export async function readPartitions(file: string, logger: Logger): Promise<Partition[]> {
  const r = await run(['sfdisk', '--json', file], { timeoutMs: 60_000, logger });
  let parsed: { partitiontable?: { sectorsize?: number; partitions?: Array<{ start: number; size: number; type: string }> } } = {};
  try {
    parsed = r.code === 0 ? (JSON.parse(r.stdout) as typeof parsed) : {};
  } catch {
    parsed = {};
  }
  const table = parsed.partitiontable;
  if (!table?.partitions?.length) throw new ValidationError(`${file}: not a disk image: no partition table (sfdisk: ${r.stderr.trim().split('\n')[0] || 'no partitions'})`);
  const sector = table.sectorsize ?? 512;
  return table.partitions.map((p, i) => ({ number: i + 1, offset: p.start * sector, size: p.size * sector, type: p.type.toLowerCase() }));
}

/** The FAT boot partition and the Linux root partition of an OS image. */
export function pickPartitions(parts: Partition[], file: string): { boot: Partition; root: Partition } {
  const boot = parts.find((p) => fatTypes.has(p.type));
  const root = parts.find((p) => linuxTypes.has(p.type));
  if (!boot || !root) throw new ValidationError(`${file}: not an OS image bootherd can import: it needs a FAT boot partition and a Linux root partition (found types ${parts.map((p) => p.type).join(', ')})`);
  return { boot, root };
}

const machines: Record<number, 'arm64' | 'armhf' | 'amd64'> = { 0xb7: 'arm64', 0x28: 'armhf', 0x3e: 'amd64' };

/** The Debian architecture of an ELF file, or null. */
export async function elfArch(file: string): Promise<'arm64' | 'armhf' | 'amd64' | null> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return null;
  try {
    const b = Buffer.alloc(20);
    await fh.read(b, 0, 20, 0);
    if (!b.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return null;
    const machine = b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18);
    return machines[machine] ?? null;
  } finally {
    await fh.close();
  }
}

/** The kernel and initramfs a Pi boot partition names in config.txt (`kernel=`, `initramfs NAME`), else the usual file names present. */
export function bootFilesOf(configTxt: string | null, present: string[], arch: string | null): { kernel?: string; initramfs?: string } {
  const lines = (configTxt ?? '').split('\n').map((l) => l.replace(/#.*/, '').trim());
  const kernel = lines.map((l) => /^kernel\s*=\s*(\S+)$/.exec(l)?.[1]).find(Boolean);
  const initramfs = lines.map((l) => /^initramfs\s+(\S+)/.exec(l)?.[1]).find(Boolean);
  const usual = arch === 'arm64' ? ['kernel8.img', 'kernel_2712.img'] : arch === 'armhf' ? ['kernel7l.img', 'kernel7.img', 'kernel.img'] : ['vmlinuz'];
  const guess = usual.find((k) => present.includes(k)) ?? present.find((f) => /^vmlinuz/.test(f));
  return { ...(kernel ?? guess ? { kernel: kernel ?? guess } : {}), ...(initramfs ? { initramfs } : {}) };
}
