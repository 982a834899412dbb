// Images in the config file: stored at start; a path that does not exist
// stops bootherd with every problem listed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startTestServer } from '../helpers/server.js';

test('images from the config file are stored at start; bad ones stop it, listed as images.<name>.<field>', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bootherd-config-images-'));
  try {
    mkdirSync(path.join(tmp, 'golden'));
    const good = { images: { golden: { arch: 'arm64', rootDir: path.join(tmp, 'golden') } } };
    writeFileSync(path.join(tmp, 'good.json'), JSON.stringify(good));
    const s = await startTestServer({ config: path.join(tmp, 'good.json') });
    try {
      const img = (await s.api('GET', '/api/v1/images/golden')).body;
      assert.deepEqual([img.arch, img.rootDir], ['arm64', path.join(tmp, 'golden')]);
    } finally {
      await s.stop();
    }
    writeFileSync(path.join(tmp, 'bad.json'), JSON.stringify({ images: { a: { rootDir: path.join(tmp, 'nope') }, b: { bootDir: path.join(tmp, 'nope2') } } }));
    await assert.rejects(startTestServer({ config: path.join(tmp, 'bad.json') }, { dataDir: path.join(tmp, 'd-bad') }), (err: Error) => {
      assert.match(err.message, /images\.a\.rootDir: .*nope does not exist/);
      assert.match(err.message, /images\.b\.bootDir: .*nope2 does not exist/);
      return true;
    });
    writeFileSync(path.join(tmp, 'slash.json'), JSON.stringify({ images: { s: { rootDir: '/' } } }));
    await assert.rejects(startTestServer({ config: path.join(tmp, 'slash.json') }, { dataDir: path.join(tmp, 'd-slash') }), /images\.s\.rootDir: must not be \//);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
