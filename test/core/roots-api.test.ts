// Per-node NFS roots through the API (copy provider on the temp dir's
// filesystem, kernel exports file): the root and its per-node files, the
// exports file following the nodes' addresses, retire with and without wipe,
// images in use, and bad input that must create nothing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { postFrom } from '../helpers/from-address.js';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';
import { writeGolden } from '../roots/golden.js';

const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('per-node roots through the API', () => {
  let tmp: string;
  let s: TestServer;
  let rootsDir: string;
  let exportsFile: string;
  let golden: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-roots-'));
    rootsDir = path.join(tmp, 'roots');
    exportsFile = path.join(tmp, 'exports.d', 'bootherd.exports');
    golden = path.join(tmp, 'golden');
    await writeGolden(golden);
    await writeFile(path.join(tmp, 'config.json'), JSON.stringify({ roots: { dir: rootsDir, provider: 'copy' }, exports: { kind: 'kernel', file: exportsFile } }));
    s = await startTestServer({ config: path.join(tmp, 'config.json'), advertise: '10.0.0.1' });
    assert.equal((await s.api('PUT', '/api/v1/images/golden', { arch: 'arm64', rootDir: golden })).status, 200);
  });
  after(async () => {
    await s.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  async function enroll(serial: string, mac: string, hostname?: string): Promise<{ id: string; token: string }> {
    const d = (await s.api('POST', '/api/v1/discovery', piInventory(serial, mac), { auth: null })).body;
    if (hostname) assert.equal((await s.api('PATCH', `/api/v1/nodes/${d.nodeId}`, { hostname })).status, 200);
    return { id: d.nodeId, token: d.token };
  }
  const exportLines = async () => (await readFile(exportsFile, 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));

  it('an nfs-root target with an image and no path makes <roots.dir>/<hostname>, renders its files and exports it to the node only', async () => {
    const n = await enroll('0000f001', 'dc:a6:32:00:f0:01', 'rack1-pi07');
    const r = await s.api('PUT', `/api/v1/nodes/${n.id}/target`, { kind: 'nfs-root', image: 'golden' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const root = path.join(rootsDir, 'rack1-pi07');
    assert.deepEqual(r.body.target, { kind: 'nfs-root', image: 'golden', server: '10.0.0.1', path: root, options: 'vers=3' });
    assert.deepEqual([r.body.root.provider, r.body.root.path, r.body.root.image, r.body.root.exported, r.body.root.exportedTo], ['copy', root, 'golden', true, '127.0.0.1']);
    assert.equal(r.body.root.tokenHash, undefined, 'the token hash is not shown');
    assert.equal(r.body.nextBoot, `nfs-root golden -> 10.0.0.1:${root}`);
    assert.equal(await readFile(path.join(root, 'etc/hostname'), 'utf8'), 'rack1-pi07\n');
    assert.match(await readFile(path.join(root, 'etc/hosts'), 'utf8'), /^127\.0\.1\.1\track1-pi07$/m);
    assert.match(await readFile(path.join(root, 'etc/fstab'), 'utf8'), /the root is 10\.0\.0\.1:.*rack1-pi07 over NFS/);
    assert.doesNotMatch(await readFile(path.join(root, 'etc/fstab'), 'utf8'), /PARTUUID|mmcblk/);
    const env = path.join(root, 'etc/bootherd/node.env');
    assert.equal((await stat(env)).mode & 0o777, 0o600);
    const token = /^BOOTHERD_TOKEN=(\S+)$/m.exec(await readFile(env, 'utf8'))![1]!;
    assert.equal(await readFile(path.join(golden, 'etc/hostname'), 'utf8'), 'golden\n', 'the golden root is untouched');
    assert.deepEqual(await exportLines(), [`"${root}" 127.0.0.1(rw,no_root_squash,async,no_subtree_check)`]);
    // The OS in that root reports with the token it finds there.
    assert.equal((await s.api('POST', '/api/v1/agent/report', { kind: 'heartbeat' }, { auth: token })).status, 204);
    assert.equal((await s.api('GET', `/api/v1/nodes/${n.id}`)).body.lastBoot.stage, 'os-up');
    const events = (await s.api('GET', `/api/v1/nodes/${n.id}/events`)).body.events.map((e: { kind: string }) => e.kind);
    assert.ok(events.includes('root') && events.includes('root-progress') && events.includes('exports'), events.join(' '));
  });

  it('the export follows the node to a new address; retire removes it, wipe removes the root too', async () => {
    const a = await enroll('0000f002', 'dc:a6:32:00:f0:02', 'rack1-pi08');
    const b = await enroll('0000f003', 'dc:a6:32:00:f0:03');
    for (const n of [a, b]) assert.equal((await s.api('PUT', `/api/v1/nodes/${n.id}/target`, { kind: 'nfs-root', image: 'golden' })).status, 200);
    const rootA = path.join(rootsDir, 'rack1-pi08');
    const rootB = path.join(rootsDir, b.id);
    assert.ok(existsSync(rootB), 'a node without hostname gets <roots.dir>/<id>');
    assert.equal(await postFrom('127.0.0.8', `${s.url}/api/v1/agent/report`, { kind: 'heartbeat' }, a.token), 204);
    const line = await waitFor('the export to move to 127.0.0.8', async () => (await exportLines()).find((l) => l.startsWith(`"${rootA}" 127.0.0.8(`)));
    assert.ok(line);
    assert.equal((await exportLines()).filter((l) => l.startsWith(`"${rootA}"`)).length, 1, 'one export per node');
    await waitFor('root.exportedTo to say 127.0.0.8', async () => ((await s.api('GET', `/api/v1/nodes/${a.id}`)).body.root.exportedTo === '127.0.0.8' ? true : undefined));
    const retired = await s.api('POST', `/api/v1/nodes/${a.id}/actions/retire`);
    assert.equal(retired.status, 202);
    assert.equal((await exportLines()).some((l) => l.startsWith(`"${rootA}"`)), false, 'no export for a retired node');
    assert.ok(existsSync(rootA), 'retire without wipe keeps the root');
    const wiped = await s.api('POST', `/api/v1/nodes/${b.id}/actions/retire`, { wipe: true });
    assert.equal(wiped.status, 202, JSON.stringify(wiped.body));
    assert.equal(wiped.body.node.root, null);
    assert.equal(existsSync(rootB), false);
    assert.equal((await exportLines()).some((l) => l.startsWith(`"${rootB}"`)), false);
  });

  it('an image a node uses cannot be deleted: 409 naming the node', async () => {
    const r = await s.api('DELETE', '/api/v1/images/golden');
    assert.equal(r.status, 409);
    assert.equal(r.body.error, 'image-in-use');
    assert.match(r.body.message, /rack1-pi07/);
    assert.equal((await s.api('GET', '/api/v1/images/golden')).status, 200);
  });

  it('bad input is 400 and creates nothing: a path outside roots.dir, a rootDir of /, a missing dir, a golden root whose symlinks lead outside', async () => {
    const n = await enroll('0000f004', 'dc:a6:32:00:f0:04', 'rack1-pi10');
    const before = await readdir(rootsDir);
    const outside = await s.api('PUT', `/api/v1/nodes/${n.id}/target`, { kind: 'nfs-root', image: 'golden', path: '/etc/evil' });
    assert.deepEqual([outside.status, outside.body.issues[0].path], [400, 'target.path']);
    assert.equal((await s.api('PUT', `/api/v1/nodes/${n.id}/target`, { kind: 'nfs-root', image: 'golden', path: `${rootsDir}/../escape` })).status, 400);
    assert.equal((await s.api('PUT', '/api/v1/images/slash', { rootDir: '/' })).status, 400);
    const missing = await s.api('PUT', '/api/v1/images/missing', { rootDir: path.join(tmp, 'nope'), bootDir: path.join(tmp, 'nope-boot') });
    assert.deepEqual([missing.status, missing.body.issues.map((i: { path: string }) => i.path)], [400, ['bootDir', 'rootDir']]);
    const evil = path.join(tmp, 'evil-golden');
    await mkdir(evil);
    await symlink('../../../../../../../../etc', path.join(evil, 'etc'));
    assert.equal((await s.api('PUT', '/api/v1/images/evil', { rootDir: evil })).status, 200);
    const esc = await s.api('PUT', `/api/v1/nodes/${n.id}/target`, { kind: 'nfs-root', image: 'evil' });
    assert.equal(esc.status, 400, JSON.stringify(esc.body));
    assert.match(esc.body.message, /outside/);
    assert.deepEqual(await readdir(rootsDir), before, 'no root made');
    const node = (await s.api('GET', `/api/v1/nodes/${n.id}`)).body;
    assert.deepEqual([node.state, node.root ?? null], ['ready', null]);
    assert.equal((await exportLines()).some((l) => l.includes('rack1-pi10')), false);
  });
});

describe('operator rootfs templates', () => {
  it('layer over the built-in ones (override, add, copy as is); a broken one is named and makes nothing', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-rootfs-tpl-'));
    const tpl = path.join(tmp, 'templates');
    await mkdir(path.join(tpl, 'rootfs/etc'), { recursive: true });
    await writeFile(path.join(tpl, 'rootfs/etc/hostname.njk'), '{{ node.hostname }}.rack1.example\n');
    await writeFile(path.join(tpl, 'rootfs/etc/issue'), 'no {{ templating }} here\n');
    await writeFile(path.join(tpl, 'rootfs/etc/motd.njk'), 'node {{ node.id }} on {{ root.server }}\n');
    await writeFile(path.join(tpl, 'rootfs/etc/beat.env.njk'), 'EVERY={{ heartbeat.everySeconds }} LABEL={{ node.label }} BOOT={{ node.bootToken | length > 0 }}\n');
    await writeFile(path.join(tpl, 'rootfs/README.md'), 'how these templates work\n');
    const golden = path.join(tmp, 'golden');
    await writeGolden(golden);
    await writeFile(path.join(tmp, 'config.json'), JSON.stringify({ roots: { dir: path.join(tmp, 'roots'), provider: 'copy' } }));
    const s = await startTestServer({ config: path.join(tmp, 'config.json'), 'templates-dir': tpl, advertise: '10.0.0.1' });
    try {
      await s.api('PUT', '/api/v1/images/golden', { rootDir: golden });
      const d = (await s.api('POST', '/api/v1/discovery', piInventory('0000f101', 'dc:a6:32:00:f1:01'), { auth: null })).body;
      await s.api('PATCH', `/api/v1/nodes/${d.nodeId}`, { hostname: 'tpl-pi1' });
      assert.equal((await s.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'nfs-root', image: 'golden' })).status, 200);
      const root = path.join(tmp, 'roots', 'tpl-pi1');
      assert.equal(await readFile(path.join(root, 'etc/hostname'), 'utf8'), 'tpl-pi1.rack1.example\n');
      assert.equal(await readFile(path.join(root, 'etc/issue'), 'utf8'), 'no {{ templating }} here\n');
      assert.equal(await readFile(path.join(root, 'etc/motd'), 'utf8'), `node ${d.nodeId} on 10.0.0.1\n`);
      assert.match(await readFile(path.join(root, 'etc/fstab'), 'utf8'), /over NFS/, 'built-in templates still apply');
      assert.equal(await readFile(path.join(root, 'etc/beat.env'), 'utf8'), 'EVERY=60 LABEL=tpl-pi1 BOOT=true\n');
      assert.equal(existsSync(path.join(root, 'README.md')), false, "the templates' README is not written into the root");
      await writeFile(path.join(tpl, 'rootfs/etc/motd.njk'), 'broken {{ nope.field }}\n');
      const e = (await s.api('POST', '/api/v1/discovery', piInventory('0000f102', 'dc:a6:32:00:f1:02'), { auth: null })).body;
      await s.api('PATCH', `/api/v1/nodes/${e.nodeId}`, { hostname: 'tpl-pi2' });
      const r = await s.api('PUT', `/api/v1/nodes/${e.nodeId}/target`, { kind: 'nfs-root', image: 'golden' });
      assert.equal(r.status, 500);
      assert.match(r.body.message, /rootfs template .*etc\/motd\.njk: .*\[Line 1, Column \d+\]/);
      assert.equal(existsSync(path.join(tmp, 'roots', 'tpl-pi2')), false);
    } finally {
      await s.stop();
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
