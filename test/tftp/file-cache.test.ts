// The hot-file cache: content equality, change detection, disk-backed big
// files, missing and non-regular files, LRU eviction, and one budget for
// whole files and cut packets.
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBudget } from '../../src/tftp/budget.js';
import { createFileCache } from '../../src/tftp/index.js';
import { cutBytes, cutDataPackets } from '../../src/tftp/packet.js';
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

describe('createFileCache budget: whole files and cut packets', () => {
  let fx: Fixture;
  before(async () => {
    fx = await makeFixture({ 'a.bin': 300_000, 'b.bin': 300_000 });
  });
  after(() => fx.cleanup());
  const p = (name: string) => path.join(fx.dir, name);
  // One transfer's use of a file: open, ask for packets at blksize, close.
  const transfer = async (cache: ReturnType<typeof createFileCache>, name: string, blksize: number) => {
    const r = await (await cache.file(p(name)))!.open();
    const packets = r.packets?.(blksize) ?? null;
    await r.close();
    return packets;
  };

  it('keeps a file cut at a block size from the second transfer on, with exact packets', async () => {
    const cache = createFileCache({ maxBytes: 1_000_000 });
    assert.equal(await transfer(cache, 'a.bin', 1024), null, 'a first transfer cuts per chunk');
    const packets = await transfer(cache, 'a.bin', 1024);
    assert.deepEqual(packets, cutDataPackets(fx.files.get('a.bin')!, 1, 1024));
    assert.equal(cache.stats().bytes, 300_000 + cutBytes(300_000, 1024));
  });

  it('never caches a cut for block sizes asked once, however many', async () => {
    const cache = createFileCache({ maxBytes: 1_000_000 });
    for (let b = 8; b < 208; b++) assert.equal(await transfer(cache, 'a.bin', b), null);
    assert.deepEqual({ bytes: cache.stats().bytes, entries: cache.stats().entries }, { bytes: 300_000, entries: 1 });
  });

  it('counts cuts against the budget and evicts the least recently used', async () => {
    const cache = createFileCache({ maxBytes: 1_000_000 });
    for (const b of [1024, 512, 256]) {
      for (let i = 0; i < 2; i++) await transfer(cache, 'a.bin', b);
      assert.ok(cache.stats().bytes <= 1_000_000, `after blksize ${b}: ${cache.stats().bytes}`);
    }
    // The whole file and the cuts at 512 and 256 remain; 1024 went first.
    assert.deepEqual({ bytes: cache.stats().bytes, evictions: cache.stats().evictions }, { bytes: 300_000 + cutBytes(300_000, 512) + cutBytes(300_000, 256), evictions: 1 });
    // A size that was asked for before is cut again at once, evicting the next oldest.
    assert.deepEqual(await transfer(cache, 'a.bin', 1024), cutDataPackets(fx.files.get('a.bin')!, 1, 1024));
    assert.deepEqual({ bytes: cache.stats().bytes, evictions: cache.stats().evictions }, { bytes: 300_000 + cutBytes(300_000, 256) + cutBytes(300_000, 1024), evictions: 2 });
  });

  it('never evicts a file a reader holds, and serves what does not fit from disk', async () => {
    const cache = createFileCache({ maxBytes: 500_000 });
    const held = await (await cache.file(p('a.bin')))!.open();
    const fromDisk = await (await cache.file(p('b.bin')))!.open();
    assert.deepEqual(await fromDisk.read(0, 300_000), fx.files.get('b.bin'));
    assert.equal(fromDisk.packets, undefined, 'a disk reader offers no shared packets');
    await fromDisk.close();
    assert.deepEqual({ bytes: cache.stats().bytes, refused: cache.stats().refused }, { bytes: 300_000, refused: 1 });
    await held.close();
    await readAll((await cache.file(p('b.bin')))!);
    assert.deepEqual({ bytes: cache.stats().bytes, evictions: cache.stats().evictions }, { bytes: 300_000, evictions: 1 });
  });
});

describe('createBudget', () => {
  it('keeps counting a removed entry while it is pinned', () => {
    const budget = createBudget<string>(100);
    const a = budget.add('a', 60, () => 'A')!;
    const release = budget.pin(a);
    assert.equal(budget.add('b', 50, () => 'B'), null, 'b does not fit beside pinned a');
    budget.delete('a');
    assert.deepEqual({ bytes: budget.stats().bytes, entries: budget.stats().entries }, { bytes: 60, entries: 0 });
    release();
    release();
    assert.equal(budget.stats().bytes, 0);
    assert.ok(budget.add('b', 50, () => 'B'));
  });
});
