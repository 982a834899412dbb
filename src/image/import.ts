// `bootherd images import NAME FILE.img[.xz|.gz]`: an OS image (a partition
// table with a FAT boot partition and an ext4 root, as Raspberry Pi OS, Ubuntu
// for Pi and DietPi ship) becomes a bootherd image without a loop mount: mtools
// copies the boot files out of the FAT partition and e2fsprogs' debugfs
// `rdump` copies the root tree out of the ext4 partition, both reading the
// file at the partition's offset.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConflictError, ValidationError } from '../errors.js';
import { run, runOk } from '../roots/run.js';
import type { ImageInput } from '../domain/images.js';
import type { Logger } from '../log.js';
import { isOnBtrfs } from '../roots/btrfs.js';
import { resolveInRoot } from '../roots/index.js';
import { bootFilesOf, compressionOf, elfArch, pickPartitions, readPartitions, type Partition } from './disk-layout.js';

/** What an import needs. */
export interface ImportOptions {
  name: string;
  file: string;
  imagesDir: string;
  logger: Logger;
  progress: (line: string) => void;
}

/** Reads `file` once: its sha256, and (when compressed) its decompressed bytes written to `raw`, with percent progress. */
async function readOnce(file: string, compression: 'none' | 'gzip' | 'xz', raw: string, progress: (pct: number) => void): Promise<{ sha256: string; rawBytes: number }> {
  const size = (await stat(file)).size;
  const hash = createHash('sha256');
  let done = 0;
  let lastPct = -1;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      done += chunk.length;
      const pct = size ? Math.floor((done * 100) / size) : 100;
      if (pct !== lastPct && pct % 5 === 0) progress((lastPct = pct));
      cb(null, chunk);
    },
  });
  if (compression === 'none') {
    await pipeline(createReadStream(file), meter, async function* (src) {
      for await (const _ of src) yield* [];
    });
    return { sha256: hash.digest('hex'), rawBytes: size };
  }
  const child = spawn(compression === 'xz' ? 'xz' : 'gzip', ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const [, , code] = await Promise.all([pipeline(createReadStream(file), meter, child.stdin), pipeline(child.stdout, createWriteStream(raw)), exited]).catch((err: unknown) => {
    throw new ValidationError(`${file}: cannot decompress (${compression}): ${stderr.trim() || (err as Error).message}`);
  });
  if (code !== 0) throw new ValidationError(`${file}: cannot decompress (${compression}): ${stderr.trim() || `exit ${code}`}`);
  return { sha256: hash.digest('hex'), rawBytes: (await stat(raw)).size };
}

async function copyBootFiles(raw: string, boot: Partition, dir: string, logger: Logger): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const img = `${raw}@@${boot.offset}`;
  const env = { MTOOLS_SKIP_CHECK: '1' };
  const list = await runOk(['mdir', '-b', '-i', img, '::/'], { timeoutMs: 60_000, logger, env });
  if (!list.stdout.trim()) return [];
  await runOk(['mcopy', '-s', '-n', '-p', '-m', '-i', img, '::/*', dir + '/'], { timeoutMs: 600_000, logger, env });
  return readdir(dir);
}

async function copyRootTree(raw: string, root: Partition, dir: string, logger: Logger): Promise<void> {
  const dev = `${raw}?offset=${root.offset}`;
  const ls = await runOk(['debugfs', '-R', 'ls -p /', dev], { timeoutMs: 60_000, logger });
  const names = ls.stdout.split('\n').map((l) => l.split('/')[5]).filter((n): n is string => !!n && n !== '.' && n !== '..' && n !== 'lost+found');
  if (!names.length) throw new ValidationError(`${raw}: the root partition holds no readable ext4 filesystem (debugfs: ${ls.stderr.trim().split('\n').slice(-1)[0] ?? ''})`);
  for (const n of names) if (!/^[A-Za-z0-9._+-]+$/.test(n)) throw new ValidationError(`${raw}: unexpected top-level name ${JSON.stringify(n)} in the root filesystem`);
  const r = await runOk(['debugfs', '-R', `rdump ${names.map((n) => `/${n}`).join(' ')} ${dir}`, dev], { timeoutMs: 3_600_000, logger });
  const errors = r.stderr.split('\n').filter((l) => /rdump|error|cannot|No such/i.test(l));
  if (errors.length) throw new ValidationError(`${raw}: copying the root tree failed: ${errors.slice(0, 3).join(' | ')}`);
}

/** Imports the image; returns what to store under `name`. Leaves nothing behind when it fails. */
export async function importImage(o: ImportOptions): Promise<ImageInput> {
  const file = path.resolve(o.file);
  if (!(await stat(file).catch(() => null))?.isFile()) throw new ValidationError(`${o.file}: no such file`);
  const final = path.join(o.imagesDir, o.name);
  if (await stat(final).catch(() => null)) throw new ConflictError(`images import: ${final} already exists; remove it or choose another name`, 'image-exists');
  await mkdir(o.imagesDir, { recursive: true });
  const work = path.join(o.imagesDir, `.${o.name}.partial`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work);
  try {
    const compression = await compressionOf(file);
    const raw = path.join(work, 'disk.raw');
    if (compression === 'none') await symlink(file, raw);
    o.progress(`[1/4] reading ${path.basename(file)} (${compression === 'none' ? 'sha256' : `sha256, ${compression} decompress`})`);
    const { sha256, rawBytes } = await readOnce(file, compression, raw, (pct) => o.progress(`      ${pct}%`));
    const { boot, root } = pickPartitions(await readPartitions(raw, o.logger), o.file);
    o.progress(`[2/4] boot partition ${boot.number} (${(boot.size / 1048576).toFixed(0)} MiB FAT): copying files with mtools`);
    const present = await copyBootFiles(raw, boot, path.join(work, 'boot'), o.logger);
    const btrfs = await isOnBtrfs(o.imagesDir, { logger: o.logger });
    o.progress(`[3/4] root partition ${root.number} (${(root.size / 1048576).toFixed(0)} MiB ext4): copying the tree with debugfs rdump${btrfs ? ' into a btrfs subvolume' : ''}`);
    const rootDir = path.join(work, 'root');
    if (btrfs) await runOk(['btrfs', 'subvolume', 'create', rootDir], { timeoutMs: 60_000, logger: o.logger });
    else await mkdir(rootDir);
    await copyRootTree(raw, root, rootDir, o.logger);
    const arch = (await elfArch(await resolveInRoot(rootDir, 'bin/sh'))) ?? (await elfArch(await resolveInRoot(rootDir, 'usr/bin/ls')));
    const config = present.includes('config.txt') ? await readFile(path.join(work, 'boot', 'config.txt'), 'utf8') : null;
    const files = bootFilesOf(config, present, arch);
    await rm(raw, { force: true });
    await rename(work, final);
    o.progress(`[4/4] ${o.name}: arch ${arch ?? 'unknown'}, kernel ${files.kernel ?? 'none found'}, ${present.length} boot files, sha256 ${sha256.slice(0, 12)}...`);
    return {
      description: `imported from ${path.basename(file)}`,
      ...(arch ? { arch } : {}),
      bootDir: path.join(final, 'boot'),
      ...files,
      rootDir: path.join(final, 'root'),
      cmdline: [],
      disk: { path: file, sha256, sizeBytes: rawBytes, compression },
    };
  } catch (err) {
    await removeTree(work, o.logger);
    throw err;
  }
}

/** Removes an import's tree (a btrfs subvolume inside it first). */
export async function removeTree(dir: string, logger: Logger): Promise<void> {
  const sub = path.join(dir, 'root');
  if (await stat(sub).catch(() => null)) await run(['btrfs', 'subvolume', 'delete', sub], { timeoutMs: 60_000, logger }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
