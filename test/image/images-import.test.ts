// `bootherd images import` through the real CLI against a real bootherd: a
// small OS image built here (sfdisk, mkfs.vfat + mtools, mkfs.ext4 -d), plain
// and xz-compressed, becomes an image whose boot files, root tree, sha256,
// size and arch are right; a file that is no disk image is refused and leaves
// nothing behind; on btrfs the root is a subvolume.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountLoopBtrfs } from '../helpers/btrfs.js';
import { runCli } from '../helpers/process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { buildOsImage, osImage } from './os-image.js';

describe('images import', () => {
  let tmp: string;
  let s: TestServer;
  let img: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-import-'));
    s = await startTestServer();
    img = path.join(tmp, 'pios.img');
    await buildOsImage(img, path.join(tmp, 'work'));
  });
  after(async () => {
    await s.stop();
    await rm(tmp, { recursive: true, force: true });
  });
  const cli = (args: string[], imagesDir: string) => runCli(['images', ...args, '--url', s.url, `--admin-token=${s.token}`, '--images-dir', imagesDir, '--data-dir', s.dataDir]);
  const sha = async (f: string) => createHash('sha256').update(await readFile(f)).digest('hex');

  async function checkImported(name: string, imagesDir: string, file: string, compression: string) {
    const image = (await s.api('GET', `/api/v1/images/${name}`)).body;
    assert.deepEqual([image.arch, image.kernel, image.bootDir, image.rootDir], ['arm64', 'kernel8.img', path.join(imagesDir, name, 'boot'), path.join(imagesDir, name, 'root')]);
    assert.deepEqual(image.disk, { path: file, sha256: await sha(file), sizeBytes: osImage.sizeBytes, compression });
    for (const [rel, data] of Object.entries(osImage.bootFiles)) assert.equal(await readFile(path.join(image.bootDir, rel), 'utf8'), data, rel);
    for (const [rel, data] of Object.entries(osImage.rootFiles)) assert.equal(await readFile(path.join(image.rootDir, rel), 'utf8'), data, rel);
    assert.equal(await readlink(path.join(image.rootDir, 'bin')), 'usr/bin');
    assert.equal(await readlink(path.join(image.rootDir, 'usr/bin/sh')), 'dash');
    assert.equal((await lstat(path.join(image.rootDir, 'usr/bin/dash'))).mode & 0o777, 0o755);
    assert.equal(existsSync(path.join(image.rootDir, 'lost+found')), false);
    assert.deepEqual((await readdir(imagesDir)).sort(), [name], 'no partial dirs or raw copies left');
    return image;
  }

  it('imports a plain .img: boot files, root tree, sha256, size and arch', async () => {
    const dir = path.join(tmp, 'images-plain');
    const r = await cli(['import', 'pios', img], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[1\/4\] reading pios\.img/);
    assert.match(r.stderr, /100%/);
    assert.match(r.stdout, /image pios imported/);
    await checkImported('pios', dir, img, 'none');
  });

  it('imports an .img.xz, decompressing it once, and keeps the sha256 of the file', async () => {
    const xz = path.join(tmp, 'pios-xz.img.xz');
    execFileSync('sh', ['-c', `xz -T1 -1 -c "${img}" > "${xz}"`]);
    const dir = path.join(tmp, 'images-xz');
    const r = await cli(['import', 'pios-xz', xz], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /sha256, xz decompress/);
    await checkImported('pios-xz', dir, xz, 'xz');
  });

  it('refuses a file that is not a disk image and leaves nothing behind', async () => {
    const junk = path.join(tmp, 'notes.img');
    await writeFile(junk, 'these are not the partitions you are looking for\n'.repeat(100));
    const dir = path.join(tmp, 'images-junk');
    const r = await cli(['import', 'junk', junk], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a disk image: no partition table/);
    assert.deepEqual(existsSync(dir) ? await readdir(dir) : [], []);
    assert.equal((await s.api('GET', '/api/v1/images/junk')).status, 404);
  });

  it('on btrfs, the root becomes a subvolume', async () => {
    const fs = await mountLoopBtrfs(path.join(tmp, 'btrfs'));
    try {
      const dir = path.join(fs.mnt, 'images');
      const r = await cli(['import', 'pios-btrfs', img], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /into a btrfs subvolume/);
      const image = await checkImported('pios-btrfs', dir, img, 'none');
      execFileSync('btrfs', ['subvolume', 'show', image.rootDir], { stdio: 'ignore' });
      assert.equal((await s.api('DELETE', '/api/v1/images/pios-btrfs')).status, 204);
    } finally {
      await fs.close();
    }
  });
});
