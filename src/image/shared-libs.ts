// The shared libraries a set of binaries needs, found in unpacked Debian
// packages of the same architecture the way the builder resolves kernel
// modules: follow DT_NEEDED transitively (like modules.dep), then copy each
// library, and the program interpreter, to the path it has in its package.
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { elfNeeds } from './elf.js';
import { ImageBuildError } from './errors.js';

/** One file to put into the initramfs: `path` inside it, read from `from`. */
export interface LibFile {
  path: string;
  from: string;
}

// Where the dynamic loader looks by default on Debian (multiarch dirs first).
const libDirs = (triplet: string) => [`lib/${triplet}`, `usr/lib/${triplet}`, 'lib', 'usr/lib', 'lib64'];

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Finds `soname` under the library dirs of `roots`; the initramfs path and the real file. */
async function findLib(roots: string[], triplet: string, soname: string): Promise<LibFile | null> {
  for (const dir of libDirs(triplet)) {
    for (const root of roots) {
      const candidate = path.join(root, dir, soname);
      if (await exists(candidate)) return { path: `${dir}/${soname}`, from: await realpath(candidate) };
    }
  }
  return null;
}

/** Resolves everything `binaries` (absolute paths in an unpacked package) need to run, in load order (dependencies first). */
export async function resolveSharedLibs(binaries: string[], roots: string[], triplet: string): Promise<LibFile[]> {
  const out: LibFile[] = [];
  const seen = new Set<string>();
  const visit = async (file: string, what: string): Promise<void> => {
    const needs = elfNeeds(await readFile(file), what);
    if (needs.interpreter && !seen.has(needs.interpreter)) {
      seen.add(needs.interpreter);
      const rel = needs.interpreter.replace(/^\//, '');
      const root = (await Promise.all(roots.map(async (r) => ((await exists(path.join(r, rel))) ? r : null)))).find(Boolean);
      if (!root) throw new ImageBuildError(`shared libraries: ${what} needs the interpreter ${needs.interpreter}, which no unpacked package holds`);
      out.push({ path: rel, from: await realpath(path.join(root, rel)) });
    }
    for (const soname of needs.needed) {
      if (seen.has(soname)) continue;
      seen.add(soname);
      const lib = await findLib(roots, triplet, soname);
      if (!lib) throw new ImageBuildError(`shared libraries: ${what} needs ${soname}, which none of the unpacked packages holds`);
      await visit(lib.from, soname);
      out.push(lib);
    }
  };
  for (const b of binaries) await visit(b, path.basename(b));
  return out;
}

/** The Debian multiarch triplet of an architecture. */
export function multiarchTriplet(arch: 'arm64' | 'amd64'): string {
  return arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
}
