// The hot-file cache: content equality, change detection, disk-backed big
// files, missing and non-regular files, LRU eviction.
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createFileCache } from '../../src/tftp/index.js';
import type { TftpFile } from '../../src/tftp/index.js';
import { makeFixture } from './support.js';
import type { Fixture } from './support.js';

async function readAll(f: TftpFile): Promise<Buffer> {
  const r = await f.open();
  try {
    return Buffer.from(await r.read(0, f.size));
  } finally {
    await r.close();
  }
}

describe('createFileCache', () => {
  let fx: Fixture;
  before(async () => {
    fx = await makeFixture({ 'small.bin': 1000, 'big.bin': 300_000, 'a.bin': 400, 'b.bin': 400, 'c.bin': 400 });
    await mkdir(path.join(fx.dir, 'overlays'));
  });
  after(() => fx.cleanup());
  const p = (name: string) => path.join(fx.dir, name);

  it('returns null for missing files and directories', async () => {
    const cache = createFileCache({ maxBytes: 10_000 });
    assert.equal(await cache.file(p('nope')), null);
    assert.equal(await cache.file(p('overlays')), null);
  });

  it('serves cached and disk-backed files with their exact content', async () => {
    const cache = createFileCache({ maxBytes: 10_000, maxFileBytes: 5000 });
    for (const name of ['small.bin', 'big.bin']) {
      const f = await cache.file(p(name));
      assert.equal(f?.size, fx.files.get(name)?.length);
      assert.deepEqual(await readAll(f!), fx.files.get(name));
    }
    const big = await (await cache.file(p('big.bin')))!.open();
    assert.deepEqual(await big.read(299_990, 100), fx.files.get('big.bin')!.subarray(299_990));
    await big.close();
  });

  it('re-reads a file whose size or mtime changed', async () => {
    const cache = createFileCache({ maxBytes: 10_000 });
    await writeFile(p('config.txt'), 'arm_64bit=1\n');
    assert.equal((await readAll((await cache.file(p('config.txt')))!)).toString(), 'arm_64bit=1\n');
    await writeFile(p('config.txt'), 'arm_64bit=0\n');
    await utimes(p('config.txt'), new Date(), new Date(Date.now() + 5000));
    assert.equal((await readAll((await cache.file(p('config.txt')))!)).toString(), 'arm_64bit=0\n');
    await rm(p('config.txt'));
  });

  it('evicts the least recently used file when over maxBytes', async () => {
    const cache = createFileCache({ maxBytes: 1000 });
    const files = new Map<string, TftpFile>();
    for (const n of ['a.bin', 'b.bin']) {
      files.set(n, (await cache.file(p(n)))!);
      await readAll(files.get(n)!);
    }
    await readAll((await cache.file(p('a.bin')))!); // a is now more recent than b
    await readAll((await cache.file(p('c.bin')))!); // 1200 bytes > 1000: b goes
    // An evicted file is read again from disk; a cached one survives its deletion.
    await rm(p('a.bin'));
    await rm(p('b.bin'));
    await assert.doesNotReject(readAll(files.get('a.bin')!));
    await assert.rejects(readAll(files.get('b.bin')!));
  });
});
