// Per-node roots on a loop-mounted btrfs through the API (provider auto, so
// btrfs): one snapshot per node with its own files, the golden subvolume
// untouched, reprovision refused while the node is booted unless forced; and
// a copy that fails (roots dir full) leaves no half root and no export.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mountLoopBtrfs, type LoopBtrfs } from '../helpers/btrfs.js';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';
import { writeGolden } from '../roots/golden.js';

describe('per-node roots on btrfs', () => {
  let tmp: string;
  let fs: LoopBtrfs;
  let s: TestServer;
  let golden: string;
  const rootsDir = () => path.join(fs.mnt, 'roots');
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-roots-btrfs-'));
    fs = await mountLoopBtrfs(tmp);
    golden = path.join(fs.mnt, 'golden');
    execFileSync('btrfs', ['subvolume', 'create', golden], { stdio: 'ignore' });
    await writeGolden(golden);
    await writeFile(path.join(tmp, 'config.json'), JSON.stringify({ roots: { dir: rootsDir() }, exports: { kind: 'kernel', file: path.join(tmp, 'bootherd.exports') } }));
    s = await startTestServer({ config: path.join(tmp, 'config.json'), advertise: '10.0.0.1' });
    assert.equal((await s.api('PUT', '/api/v1/images/golden', { rootDir: golden })).status, 200);
  });
  after(async () => {
    await s?.stop();
    await fs?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const enroll = async (i: number) => {
    const d = (await s.api('POST', '/api/v1/discovery', piInventory(`0000b0${String(i).padStart(2, '0')}`, `dc:a6:32:00:b0:${String(i).padStart(2, '0')}`), { auth: null })).body;
    await s.api('PATCH', `/api/v1/nodes/${d.nodeId}`, { hostname: `bt-pi${i}` });
    return d as { nodeId: string; token: string };
  };

  it('makes one snapshot per node with its own files; the golden subvolume stays as it was', async () => {
    for (const i of [1, 2, 3]) {
      const d = await enroll(i);
      const r = await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'nfs-root', image: 'golden' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.root.provider, 'btrfs');
    }
    const list = execFileSync('btrfs', ['subvolume', 'list', '-o', rootsDir()]).toString();
    assert.deepEqual([...list.matchAll(/path roots\/(\S+)$/gm)].map((m) => m[1]).sort(), ['bt-pi1', 'bt-pi2', 'bt-pi3']);
    for (const i of [1, 2, 3]) {
      assert.equal(await readFile(path.join(rootsDir(), `bt-pi${i}`, 'etc/hostname'), 'utf8'), `bt-pi${i}\n`);
      assert.equal(await readFile(path.join(rootsDir(), `bt-pi${i}`, 'etc/motd'), 'utf8'), 'welcome\n');
    }
    assert.equal(await readFile(path.join(golden, 'etc/hostname'), 'utf8'), 'golden\n');
    assert.equal(existsSync(path.join(golden, 'etc/bootherd')), false);
  });

  it('reprovision-root is refused while the node is booted from its root, and with force makes it afresh', async () => {
    const d = (await s.api('GET', '/api/v1/nodes/bt-pi1')).body;
    const root = path.join(rootsDir(), 'bt-pi1');
    await writeFile(path.join(root, 'etc/motd'), 'changed on the node\n');
    const token = /^BOOTHERD_TOKEN=(\S+)$/m.exec(await readFile(path.join(root, 'etc/bootherd/node.env'), 'utf8'))![1]!;
    assert.equal((await s.api('POST', '/api/v1/agent/report', { kind: 'heartbeat' }, { auth: token })).status, 204);
    const refused = await s.api('POST', `/api/v1/nodes/${d.id}/actions/reprovision-root`);
    assert.deepEqual([refused.status, refused.body.error], [409, 'root-in-use']);
    assert.equal(await readFile(path.join(root, 'etc/motd'), 'utf8'), 'changed on the node\n', 'nothing changed');
    const forced = await s.api('POST', `/api/v1/nodes/${d.id}/actions/reprovision-root`, { force: true });
    assert.equal(forced.status, 202, JSON.stringify(forced.body));
    assert.equal(await readFile(path.join(root, 'etc/motd'), 'utf8'), 'welcome\n');
    assert.equal(await readFile(path.join(root, 'etc/hostname'), 'utf8'), 'bt-pi1\n');
    assert.notEqual(forced.body.node.root.createdAt, d.root.createdAt);
    assert.equal((await s.api('POST', '/api/v1/agent/report', { kind: 'heartbeat' }, { auth: token })).status, 401, 'the old root token is gone with the old root');
    const idle = await s.api('POST', '/api/v1/nodes/bt-pi2/actions/reprovision-root');
    assert.equal(idle.status, 202, 'a node not booted from its root is reprovisioned without force');
  });

  it('a copy that fails leaves no half root, no export, and the node as it was', async () => {
    const full = path.join(tmp, 'full');
    await mkdir(full);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full]);
    const big = path.join(tmp, 'big-golden');
    await writeGolden(big);
    await writeFile(path.join(big, 'usr/bin/huge'), Buffer.alloc(1024 * 1024, 1));
    const dataDir = path.join(tmp, 'data2');
    await writeFile(path.join(tmp, 'config2.json'), JSON.stringify({ roots: { dir: full, provider: 'copy' }, exports: { kind: 'kernel', file: path.join(tmp, 'full.exports') } }));
    const s2 = await startTestServer({ config: path.join(tmp, 'config2.json') }, { dataDir });
    try {
      assert.equal((await s2.api('PUT', '/api/v1/images/big', { rootDir: big })).status, 200);
      const d = (await s2.api('POST', '/api/v1/discovery', piInventory('0000b0ff', 'dc:a6:32:00:b0:ff'), { auth: null })).body;
      const r = await s2.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'nfs-root', image: 'big' });
      assert.equal(r.status, 500, JSON.stringify(r.body));
      assert.match(r.body.message, /cp: exited 1: .*No space left/);
      assert.deepEqual(await readdir(full), []);
      assert.equal(existsSync(path.join(tmp, 'full.exports')) ? (await readFile(path.join(tmp, 'full.exports'), 'utf8')).includes('"/') : false, false);
      const node = (await s2.api('GET', `/api/v1/nodes/${d.nodeId}`)).body;
      assert.deepEqual([node.state, node.target, node.root ?? null], ['ready', null, null]);
    } finally {
      await s2.stop();
      execFileSync('umount', [full]);
    }
  });
});
