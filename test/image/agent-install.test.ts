// The agent's install action on the host: stream an image over HTTP onto a
// "disk" (a file in the fake /dev), verify its sha256, report the outcome.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAgent } from './agent-runner.js';
import { mbrPatches, writeImage } from './disk-images.js';
import { ok, startFakeApi } from './fake-api.js';
import { writeTree, x86Tree } from './fake-root.js';

const vdb = 'sys/devices/pci0000:00/0000:00:06.0/virtio3/block/vdb';

describe('agent install (busybox sh against a fake API)', () => {
  let tmp: string;
  let image: Buffer;
  let sha: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-install-'));
    await writeImage(path.join(tmp, 'image.raw'), 3 << 20, mbrPatches(0xabcdef01, [{ start: 2048, sectors: 2048, fs: 'ext4' }]));
    image = await readFile(path.join(tmp, 'image.raw'));
    sha = createHash('sha256').update(image).digest('hex');
  });
  after(async () => rm(tmp, { recursive: true, force: true }));

  async function install(name: string, sha256: string) {
    const root = path.join(tmp, name);
    await writeTree(root, {
      ...x86Tree(),
      [`${vdb}/size`]: '65536\n', [`${vdb}/serial`]: 'TARGET-7\n', [`${vdb}/vdb1/partition`]: '1\n', [`${vdb}/vdb1/size`]: '2048\n',
      'sys/block/vdb': { link: `../${vdb.replace(/^sys\//, '')}` }, 'dev/vdb': '',
    });
    const api = await startFakeApi({
      discovery: [ok({ nodeId: 'n', token: 'tok', next: { action: 'hold' } })],
      next: [(base) => ok({ action: 'install', imageUrl: `${base}/images/disk.raw`, sha256, disk: 'virtio-TARGET-7' }), ok({ action: 'poweroff' })],
      files: { '/images/disk.raw': image },
    });
    await writeTree(root, { 'proc/cmdline': `bootherd.url=${api.url}\n` });
    try {
      const run = await runAgent(['run'], { BOOTHERD_ROOT: root, BOOTHERD_NOEXEC: '1', BOOTHERD_MAX_ITER: '20' });
      assert.equal(run.code, 0, run.log.map((l) => l.line).join('\n'));
      const reports = api.requests.filter((r) => r.path === '/api/v1/agent/report').map((r) => JSON.parse(r.body) as Record<string, unknown>);
      return { root, reports };
    } finally {
      await api.close();
    }
  }

  it('writes the image to the disk named by its serial and reports its partitions', async () => {
    const { root, reports } = await install('good', sha);
    assert.deepEqual(await readFile(path.join(root, 'dev/vdb')), image);
    assert.deepEqual(reports.at(-2), { kind: 'install-progress', bytes: image.length });
    assert.deepEqual(reports.at(-1), {
      kind: 'install-succeeded', disk: 'vdb', bytes: image.length, sha256: sha,
      partitions: [{ name: 'vdb1', number: 1, sizeBytes: 2048 * 512, partuuid: 'abcdef01-01', fstype: null }],
    });
  });

  it('reports a sha256 mismatch as install-failed', async () => {
    const { reports } = await install('bad', '0'.repeat(64));
    const last = reports.at(-1);
    assert.equal(last?.['kind'], 'install-failed');
    assert.match(String(last?.['message']), /^sha256 mismatch: got [0-9a-f]{64}$/);
  });
});
