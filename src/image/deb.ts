// Unpacks .deb files once into the cache (a marker file says an unpack finished).
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec.js';

/** Unpacks `deb` under `intoDir/<deb name>/` unless already done; returns that dir and whether it was cached. */
export async function unpackDeb(deb: string, intoDir: string): Promise<{ dir: string; cached: boolean }> {
  const dir = path.join(intoDir, path.basename(deb, '.deb'));
  const marker = path.join(dir, '.bootherd-unpacked');
  if (await stat(marker).then(() => true, () => false)) return { dir, cached: true };
  const tmp = `${dir}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await run('dpkg-deb', ['-x', deb, tmp]);
  await writeFile(path.join(tmp, '.bootherd-unpacked'), new Date().toISOString());
  await rename(tmp, dir);
  return { dir, cached: false };
}
