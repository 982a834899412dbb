// A cpio "newc" (SVR4, no CRC) writer: the format the kernel unpacks as initramfs.
import { gzipSync } from 'node:zlib';

/** One archive member. Paths are relative (`bin/busybox`); parents must come first. */
export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Buffer | string; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/** Serialises `entries` (plus the trailer) into an uncompressed newc archive. */
export function writeCpio(entries: CpioEntry[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) parts.push(...member(e, ino++, mtime));
  parts.push(...record({ name: 'TRAILER!!!', ino: 0, mode: 0, nlink: 1, mtime: 0, data: Buffer.alloc(0) }));
  return Buffer.concat(parts);
}

/** Serialises and gzips `entries`, as the kernel's initramfs loader accepts. */
export function writeCpioGz(entries: CpioEntry[], mtime = 0): Buffer {
  return gzipSync(writeCpio(entries, mtime), { level: 9 });
}

function member(e: CpioEntry, ino: number, mtime: number): Buffer[] {
  const name = e.path.replace(/^\/+/, '');
  switch (e.type) {
    case 'dir':
      return record({ name, ino, mode: S_IFDIR | (e.mode ?? 0o755), nlink: 2, mtime, data: Buffer.alloc(0) });
    case 'file':
      return record({ name, ino, mode: S_IFREG | (e.mode ?? 0o644), nlink: 1, mtime, data: Buffer.from(e.data) });
    case 'symlink':
      return record({ name, ino, mode: S_IFLNK | 0o777, nlink: 1, mtime, data: Buffer.from(e.target) });
    case 'chardev':
      return record({ name, ino, mode: S_IFCHR | (e.mode ?? 0o600), nlink: 1, mtime, data: Buffer.alloc(0), rdev: [e.major, e.minor] });
  }
}

interface Rec {
  name: string;
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  data: Buffer;
  rdev?: [number, number];
}

function record(r: Rec): Buffer[] {
  const nameBuf = Buffer.from(r.name + '\0');
  const fields = [r.ino, r.mode, 0, 0, r.nlink, r.mtime, r.data.length, 0, 0, r.rdev?.[0] ?? 0, r.rdev?.[1] ?? 0, nameBuf.length, 0];
  const header = Buffer.from('070701' + fields.map(hex8).join(''), 'ascii');
  return [header, nameBuf, pad(header.length + nameBuf.length), r.data, pad(r.data.length)];
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function pad(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4);
}
