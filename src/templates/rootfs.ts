// The per-node files of an NFS root: every file under `rootfs/` in the
// templates dirs (operator dir first, layered over boot-templates/rootfs/).
// `X.njk` is rendered to `X`; any other file is copied as it is; a template's
// executable bit is kept; files under etc/bootherd/ (the node's token) are 0600.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { AppError } from '../errors.js';

/** One rendered file, its path relative to the root. */
export interface RootFile {
  path: string;
  data: string | Buffer;
  mode: number;
}

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const items = await readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const it of items) {
    const rel = prefix ? `${prefix}/${it.name}` : it.name;
    if (it.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (it.isFile()) out.push(rel);
  }
  return out;
}

/** Creates the rootfs renderer over `dirs` (templates dirs in priority order; their `rootfs/` subdirs are used). */
export function createRootfsTemplates(dirs: string[]) {
  const roots = dirs.map((d) => path.join(d, 'rootfs'));
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(roots, { noCache: true }), { autoescape: false, throwOnUndefined: true });

  /** Every per-node file, rendered for `context`. */
  async function render(context: Record<string, unknown>): Promise<RootFile[]> {
    const seen = new Map<string, string>();
    for (const root of roots) {
      for (const rel of await walk(root)) {
        // A README at the top of rootfs/ documents the templates; it is not a file of the node's root.
        if (/^README(\.md)?$/.test(rel) || seen.has(rel.replace(/\.njk$/, ''))) continue;
        seen.set(rel.replace(/\.njk$/, ''), path.join(root, rel));
      }
    }
    const files: RootFile[] = [];
    for (const [rel, src] of [...seen].sort(([a], [b]) => a.localeCompare(b))) {
      const exec = ((await stat(src)).mode & 0o111) !== 0;
      const mode = rel.startsWith('etc/bootherd/') ? 0o600 : exec ? 0o755 : 0o644;
      const data = src.endsWith('.njk') ? renderOne(src, context) : await readFile(src);
      files.push({ path: rel, data, mode });
    }
    return files;
  }
  // An operator's broken template is named with nunjucks' line and column, not an internal error.
  function renderOne(src: string, context: Record<string, unknown>): string {
    try {
      return env.render(path.relative(roots.find((r) => src.startsWith(r + path.sep))!, src), context);
    } catch (err) {
      throw new AppError('template', `rootfs template ${src}: ${(err as Error).message.replace(/\s+/g, ' ').trim()}`);
    }
  }

  return { render };
}

/** The rootfs renderer. */
export type RootfsTemplates = ReturnType<typeof createRootfsTemplates>;
