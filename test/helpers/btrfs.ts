// A btrfs filesystem on a loop file, mounted for one test (needs root and
// btrfs-progs); unmounted and removed by `close`, also after a failure.
import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** A mounted btrfs. */
export interface LoopBtrfs {
  mnt: string;
  close(): Promise<void>;
}

/** Mounts a fresh btrfs of `sizeMiB` at `<dir>/mnt`. */
export async function mountLoopBtrfs(dir: string, sizeMiB = 256): Promise<LoopBtrfs> {
  try {
    execFileSync('mkfs.btrfs', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('mkfs.btrfs not found: install the Debian package btrfs-progs');
  }
  const img = path.join(dir, 'btrfs.img');
  const mnt = path.join(dir, 'mnt');
  await mkdir(mnt, { recursive: true });
  execFileSync('truncate', ['-s', `${sizeMiB}M`, img]);
  execFileSync('mkfs.btrfs', ['-q', img]);
  execFileSync('mount', ['-o', 'loop', img, mnt]);
  return {
    mnt,
    async close() {
      try {
        execFileSync('umount', [mnt]);
      } catch {
        execFileSync('umount', ['-l', mnt]);
      }
      await rm(img, { force: true });
    },
  };
}
