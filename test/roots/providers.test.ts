// The root providers and exports writers on their own: btrfs snapshots on a
// loop-mounted btrfs, the copy provider on the temp dir's filesystem, and the
// exports files line by line, with the reload command's failure reported.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { createBtrfsProvider } from '../../src/roots/btrfs.js';
import { createCopyProvider } from '../../src/roots/copy.js';
import { createGaneshaExportsWriter, renderGaneshaExports } from '../../src/roots/exports-ganesha.js';
import { createKernelExportsWriter } from '../../src/roots/exports-kernel.js';
import { chooseRootProvider } from '../../src/roots/index.js';
import { mountLoopBtrfs, type LoopBtrfs } from '../helpers/btrfs.js';
import { writeGolden } from './golden.js';

const deps = { logger: silentLogger };

describe('root providers', () => {
  let tmp: string;
  let fs: LoopBtrfs;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-providers-'));
    fs = await mountLoopBtrfs(tmp);
  });
  after(async () => {
    await fs.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('btrfs: one writable snapshot per node, the golden subvolume untouched; removed again', async () => {
    const golden = path.join(fs.mnt, 'golden');
    execFileSync('btrfs', ['subvolume', 'create', golden], { stdio: 'ignore' });
    await writeGolden(golden);
    const p = createBtrfsProvider({}, deps);
    const roots = ['pi01', 'pi02', 'pi03'].map((n) => path.join(fs.mnt, n));
    for (const r of roots) await p.create(golden, r);
    const list = execFileSync('btrfs', ['subvolume', 'list', '-o', fs.mnt]).toString();
    for (const r of ['golden', 'pi01', 'pi02', 'pi03']) assert.match(list, new RegExp(`path ${r}$`, 'm'));
    await writeFile(path.join(roots[0]!, 'etc/hostname'), 'pi01\n');
    assert.equal(await readFile(path.join(golden, 'etc/hostname'), 'utf8'), 'golden\n');
    assert.equal(await readFile(path.join(roots[1]!, 'etc/hostname'), 'utf8'), 'golden\n');
    assert.equal(await readlink(path.join(roots[2]!, 'bin')), 'usr/bin');
    await p.remove(roots[0]!);
    assert.equal(existsSync(roots[0]!), false);
    await p.remove(roots[0]!);
  });

  it('btrfs: a golden root that is not a subvolume is refused, and nothing is made', async () => {
    const plain = path.join(fs.mnt, 'plain');
    await writeGolden(plain);
    await assert.rejects(createBtrfsProvider({}, deps).create(plain, path.join(fs.mnt, 'x')), /not a btrfs subvolume.*roots\.provider: copy/);
    assert.equal(existsSync(path.join(fs.mnt, 'x')), false);
  });

  it('auto picks btrfs on btrfs and copy elsewhere', async () => {
    assert.equal((await chooseRootProvider('auto', fs.mnt, deps)).kind, 'btrfs');
    assert.equal((await chooseRootProvider('auto', tmp, deps)).kind, 'copy');
  });

  it('copy: cp -a keeps modes and symlinks, reports progress, and a failed copy leaves nothing', async () => {
    const golden = path.join(tmp, 'golden-copy');
    await writeGolden(golden);
    const p = createCopyProvider({ progressEveryMs: 100 }, deps);
    const seen: Array<[number, number]> = [];
    const dest = path.join(tmp, 'pi10');
    await p.create(golden, dest, (d, t) => seen.push([d, t]));
    assert.equal(await readFile(path.join(dest, 'etc/motd'), 'utf8'), 'welcome\n');
    assert.equal((await lstat(path.join(dest, 'usr/bin/tool'))).mode & 0o777, 0o755);
    assert.equal(await readlink(path.join(dest, 'bin')), 'usr/bin');
    assert.ok(seen.length > 0 && seen.at(-1)![0] === seen.at(-1)![1] && seen.at(-1)![1] > 0, JSON.stringify(seen));
    await assert.rejects(p.create(path.join(tmp, 'no-such-golden'), path.join(tmp, 'pi11')), /cp: exited/);
    assert.deepEqual((await readdir(tmp)).filter((n) => n.includes('pi11')), [], 'no partial copy left');
    await p.remove(dest);
    assert.equal(existsSync(dest), false);
  });
});

describe('exports writers', () => {
  let tmp: string;
  before(async () => (tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-exports-'))));
  after(async () => rm(tmp, { recursive: true, force: true }));
  const entries = [
    { nodeId: 'a', path: '/srv/roots/rack1-pi01', client: '10.0.0.11', exportId: 100 },
    { nodeId: 'b', path: '/srv/roots/rack1-pi02', client: '10.0.0.12', exportId: 101 },
  ];

  it('kernel: one line per node, to its address only, written atomically; exportfs -ra failure is reported', async () => {
    const file = path.join(tmp, 'exports.d', 'bootherd.exports');
    const ok = await createKernelExportsWriter({ file, exportfs: '/bin/true' }, deps).write(entries);
    assert.deepEqual(ok, { ok: true, detail: `${file} written; exportfs -ra done` });
    assert.deepEqual((await readFile(file, 'utf8')).split('\n'), [
      '# Written by bootherd: one line per node, to that node only. Changes here are overwritten.',
      '"/srv/roots/rack1-pi01" 10.0.0.11(rw,no_root_squash,async,no_subtree_check)',
      '"/srv/roots/rack1-pi02" 10.0.0.12(rw,no_root_squash,async,no_subtree_check)',
      '',
    ]);
    const bad = await createKernelExportsWriter({ file, exportfs: '/bin/false' }, deps).write(entries.slice(1));
    assert.equal(bad.ok, false);
    assert.match(bad.detail, /exportfs -ra exited 1/);
    assert.equal((await readFile(file, 'utf8')).split('\n').length, 3, 'the file is still rewritten');
    assert.deepEqual((await readdir(path.dirname(file))).sort(), ['bootherd.exports'], 'no temp files left');
  });

  it('ganesha: one EXPORT block per node with its client, then the reload command (its failure reported)', async () => {
    const text = renderGaneshaExports(entries, [4]);
    const blocks = text.split('EXPORT {').slice(1);
    assert.equal(blocks.length, 2);
    assert.deepEqual(blocks[0]!.split('\n').map((l) => l.trim()).filter(Boolean), [
      'Export_Id = 100;', 'Path = "/srv/roots/rack1-pi01";', 'Pseudo = "/srv/roots/rack1-pi01";', 'Protocols = 4;', 'Transports = TCP;',
      'Access_Type = None;', 'Squash = No_Root_Squash;', 'SecType = sys;', 'FSAL { Name = VFS; }', 'CLIENT { Clients = 10.0.0.11; Access_Type = RW; }', '}',
    ]);
    const file = path.join(tmp, 'ganesha.conf');
    const marker = path.join(tmp, 'reloaded');
    assert.equal((await createGaneshaExportsWriter({ file, reloadCommand: ['touch', marker] }, deps).write(entries)).ok, true);
    assert.ok(existsSync(marker));
    assert.equal(await readFile(file, 'utf8'), renderGaneshaExports(entries, [3, 4]));
    const bad = await createGaneshaExportsWriter({ file, reloadCommand: ['false'] }, deps).write(entries);
    assert.deepEqual([bad.ok, /false exited 1/.test(bad.detail)], [false, true]);
  });
});
