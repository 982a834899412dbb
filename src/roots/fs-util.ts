// Small filesystem helpers shared by the providers and writers: an atomic
// file write and a symlink-safe path inside a root.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../errors.js';

/** Writes `file` through a temp file in the same dir and a rename, so readers see the old or the new content, never half. */
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Resolves `rel` inside `root` the way the node will see it (absolute symlink
 * targets restart at the root), refusing any symlink that leads outside it, so
 * writing a per-node file can never touch the bootherd host's own files.
 */
export async function resolveInRoot(root: string, rel: string): Promise<string> {
  const parts = rel.split('/').filter((s) => s && s !== '.');
  const done: string[] = [];
  let hops = 0;
  while (parts.length) {
    const seg = parts.shift()!;
    if (seg === '..') {
      if (!done.length) throw escape(rel);
      done.pop();
      continue;
    }
    const here = path.join(root, ...done, seg);
    const st = await lstat(here).catch(() => null);
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new ValidationError(`root: too many symlinks resolving ${rel}`);
      const target = await readlink(here);
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...target.split('/').filter((s) => s && s !== '.'));
      continue;
    }
    done.push(seg);
  }
  return path.join(root, ...done);
}

function escape(rel: string): ValidationError {
  return new ValidationError(`root: ${rel} leads outside the root through a symlink`, [{ path: 'image.rootDir', message: `a symlink on the way to ${rel} points outside the golden root` }]);
}
