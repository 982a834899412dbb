// The cpio newc writer, checked with the real cpio(1): listing and extraction.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { writeCpio, writeCpioGz, type CpioEntry } from '../../src/image/cpio.js';

function cpio(args: string[], input: Buffer, cwd?: string): string {
  try {
    return execFileSync('cpio', args, { input, cwd, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('cpio not found: install the Debian package cpio');
    throw err;
  }
}

const entries: CpioEntry[] = [
  { type: 'dir', path: 'bin' },
  { type: 'file', path: 'bin/busybox', data: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]), mode: 0o755 },
  { type: 'symlink', path: 'bin/sh', target: 'busybox' },
  { type: 'dir', path: 'etc', mode: 0o700 },
  { type: 'file', path: 'etc/odd name (1).txt', data: 'x'.repeat(1) },
  { type: 'file', path: 'etc/three', data: 'abc', mode: 0o600 },
  { type: 'file', path: 'etc/empty', data: '' },
  { type: 'file', path: 'etc/big', data: Buffer.alloc(70_001, 0xa5) },
  { type: 'dir', path: 'dev' },
  { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
  { type: 'symlink', path: 'init', target: '/bin/busybox' },
];

describe('cpio newc writer', () => {
  let tmp: string;
  before(async () => (tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-cpio-'))));
  after(async () => rm(tmp, { recursive: true, force: true }));

  it('is listed by cpio -t in order', () => {
    const listing = cpio(['-t', '--quiet'], writeCpio(entries)).trim().split('\n');
    assert.deepEqual(listing, entries.map((e) => e.path));
  });

  it('extracts with cpio -idm to the same contents, modes, symlinks and devices', async () => {
    const dir = path.join(tmp, 'x');
    await mkdir(dir);
    cpio(['-idm', '--quiet', '--no-absolute-filenames'], writeCpio(entries, 1_700_000_000), dir);
    for (const e of entries) {
      const full = path.join(dir, e.path);
      const st = await lstat(full);
      if (e.type === 'file') {
        assert.ok(st.isFile(), e.path);
        assert.deepEqual(await readFile(full), Buffer.from(e.data), e.path);
        assert.equal(st.mode & 0o7777, e.mode ?? 0o644, e.path);
        assert.equal(st.mtimeMs, 1_700_000_000_000, e.path);
      } else if (e.type === 'dir') {
        assert.ok(st.isDirectory(), e.path);
        assert.equal(st.mode & 0o7777, e.mode ?? 0o755, e.path);
      } else if (e.type === 'symlink') {
        assert.ok(st.isSymbolicLink(), e.path);
        assert.equal(await readlink(full), e.target);
      } else {
        assert.ok(st.isCharacterDevice(), e.path);
        assert.equal(st.rdev, (5 << 8) | 1);
      }
    }
  });

  it('gzips to what the kernel unpacks: gunzip gives the plain, 4-byte aligned archive', () => {
    const plain = gunzipSync(writeCpioGz(entries));
    assert.deepEqual(plain, writeCpio(entries));
    assert.equal(plain.length % 4, 0);
    assert.equal(cpio(['-t', '--quiet'], plain).trim().split('\n').length, entries.length);
  });
});
