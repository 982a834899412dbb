// The agent's install action on the host: stream an image over HTTP onto a
// "disk" (a file in the fake /dev), decompressing gzip/xz on the way, verify
// the download's sha256, read the written range back, report the outcome.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAgent } from './agent-runner.js';
import { mbrPatches, writeImage } from './disk-images.js';
import { ok, startFakeApi } from './fake-api.js';
import { writeTree, x86Tree, type Tree } from './fake-root.js';

const vdb = 'sys/devices/pci0000:00/0000:00:06.0/virtio3/block/vdb';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Case {
  file: Buffer;
  sha256?: string;
  sizeBytes?: number;
  compression?: string;
  disk?: string;
  diskSectors?: number;
  dev?: Tree[string];
}

describe('agent install (busybox sh against a fake API)', () => {
  let tmp: string;
  let image: Buffer;
  let xz: Buffer;
  let gz: Buffer;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-install-'));
    await writeImage(path.join(tmp, 'image.raw'), 3 << 20, mbrPatches(0xabcdef01, [{ start: 2048, sectors: 2048, fs: 'ext4' }]));
    image = await readFile(path.join(tmp, 'image.raw'));
    xz = execFileSync('xz', ['-T1', '-1', '-c', path.join(tmp, 'image.raw')], { maxBuffer: 64 << 20 });
    gz = execFileSync('gzip', ['-1', '-c', path.join(tmp, 'image.raw')], { maxBuffer: 64 << 20 });
  });
  after(async () => rm(tmp, { recursive: true, force: true }));

  async function install(name: string, c: Case) {
    const root = path.join(tmp, name);
    await writeTree(root, {
      ...x86Tree(),
      [`${vdb}/size`]: `${c.diskSectors ?? 65536}\n`, [`${vdb}/serial`]: 'TARGET-7\n', [`${vdb}/vdb1/partition`]: '1\n', [`${vdb}/vdb1/size`]: '2048\n',
      'sys/block/vdb': { link: `../${vdb.replace(/^sys\//, '')}` }, 'dev/vdb': c.dev ?? '',
    });
    const answer = { action: 'install', sha256: c.sha256 ?? sha(c.file), disk: c.disk ?? 'virtio-TARGET-7', ...(c.sizeBytes ? { sizeBytes: c.sizeBytes } : {}), ...(c.compression ? { compression: c.compression } : {}) };
    const api = await startFakeApi({
      discovery: [ok({ nodeId: 'n', token: 'tok', next: { action: 'hold' } })],
      next: [(base) => ok({ ...answer, imageUrl: `${base}/images/disk` }), ok({ action: 'poweroff' })],
      files: { '/images/disk': c.file },
    });
    await writeTree(root, { 'proc/cmdline': `bootherd.url=${api.url}\n` });
    try {
      const run = await runAgent(['run'], { BOOTHERD_ROOT: root, BOOTHERD_NOEXEC: '1', BOOTHERD_MAX_ITER: '20' });
      assert.equal(run.code, 0, run.log.map((l) => l.line).join('\n'));
      const reports = api.requests.filter((r) => r.path === '/api/v1/agent/report').map((r) => JSON.parse(r.body) as Record<string, unknown>);
      return { root, reports, log: run.log.map((l) => l.line).join('\n') };
    } finally {
      await api.close();
    }
  }
  const failure = (reports: Record<string, unknown>[]) => {
    const last = reports.at(-1);
    assert.equal(last?.['kind'], 'install-failed', JSON.stringify(reports));
    return String(last?.['message']);
  };

  it('writes the image to the disk named by its serial, reads it back, and reports its partitions', async () => {
    const { root, reports, log } = await install('good', { file: image, sizeBytes: image.length });
    assert.deepEqual((await readFile(path.join(root, 'dev/vdb'))).subarray(0, image.length), image);
    assert.match(log, /read back 3145728 bytes from .*: sha256 matches/);
    assert.deepEqual(reports.at(-2), { kind: 'install-progress', bytes: image.length, totalBytes: image.length });
    assert.deepEqual(reports.at(-1), {
      kind: 'install-succeeded', disk: 'vdb', bytes: image.length, sha256: sha(image),
      partitions: [{ name: 'vdb1', number: 1, sizeBytes: 2048 * 512, partuuid: 'abcdef01-01', fstype: null }],
    });
  });

  for (const [kind, file] of [['xz', () => xz], ['gzip', () => gz]] as const) {
    it(`decompresses a ${kind} image while streaming; the sha256 is the file's`, async () => {
      const { root, reports } = await install(kind, { file: file(), sizeBytes: image.length, compression: kind });
      assert.equal(reports.at(-1)?.['kind'], 'install-succeeded', JSON.stringify(reports.at(-1)));
      assert.equal(reports.at(-1)?.['bytes'], image.length);
      assert.deepEqual((await readFile(path.join(root, 'dev/vdb'))).subarray(0, image.length), image);
    });
  }

  it('refuses a disk smaller than the image before writing anything', async () => {
    const { root, reports } = await install('small', { file: image, sizeBytes: image.length, diskSectors: 4096 });
    assert.match(failure(reports), /too small: the image is 3145728 bytes, the disk 2097152 bytes; nothing was written/);
    assert.equal((await stat(path.join(root, 'dev/vdb'))).size, 0);
  });

  it('a corrupted xz image ends in install-failed', async () => {
    const bad = Buffer.from(xz);
    bad[Math.floor(bad.length / 2)]! ^= 0xff;
    const { reports } = await install('corrupt', { file: bad, sha256: sha(bad), sizeBytes: image.length, compression: 'xz' });
    assert.match(failure(reports), /corrupt or truncated: xz decompression failed/);
  });

  it('reports a sha256 mismatch as install-failed', async () => {
    const { reports } = await install('badsum', { file: image, sha256: '0'.repeat(64) });
    assert.match(failure(reports), /^sha256 mismatch: got [0-9a-f]{64}$/);
  });

  it('read-back catches a disk that silently drops writes', async () => {
    const { reports } = await install('drops', { file: image, dev: { link: '/dev/null' } });
    assert.match(failure(reports), /read-back mismatch: the disk does not hold what was written/);
  });

  it('refuses a bare kernel name: it may name another disk next boot', async () => {
    const { root, reports } = await install('bare', { file: image, disk: 'vdb' });
    assert.match(failure(reports), /no disk with the stable id 'vdb'/);
    assert.equal((await stat(path.join(root, 'dev/vdb'))).size, 0);
  });
});
