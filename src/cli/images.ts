// `bootherd images add|list|show|rm|import`: the image catalogue from a
// terminal. `import` unpacks an OS image file locally, then registers it.
import path from 'node:path';
import type { ClientConfig } from '../config.js';
import type { Logger } from '../log.js';
import { callApi } from './client.js';
import { table } from './nodes.js';
import { UsageError } from './usage.js';

type ApiImage = { name: string; arch?: string; kernel?: string; bootDir?: string; rootDir?: string; disk?: { url?: string; path?: string; compression?: string; sizeBytes?: number } };

/** Parses `KEY=VALUE...` (dots nest: disk.sha256=...) or one JSON argument into an image body. */
export function parseImageArgs(args: string[]): Record<string, unknown> {
  if (args.length === 1 && args[0]!.trim().startsWith('{')) {
    try {
      return JSON.parse(args[0]!) as Record<string, unknown>;
    } catch {
      throw new UsageError('images add: the image is not valid JSON');
    }
  }
  const body: Record<string, unknown> = {};
  for (const kv of args) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`images add: expected KEY=VALUE, got ${JSON.stringify(kv)}`);
    const keys = kv.slice(0, eq).split('.');
    const raw = kv.slice(eq + 1);
    let obj = body;
    for (const k of keys.slice(0, -1)) obj = (obj[k] ??= {}) as Record<string, unknown>;
    const last = keys[keys.length - 1]!;
    obj[last] = last === 'sizeBytes' && /^\d+$/.test(raw) ? Number(raw) : last === 'cmdline' ? raw.split(/\s+/).filter(Boolean) : raw;
  }
  return body;
}

/** What `images import` needs besides the API client. */
export interface ImportDeps {
  imagesDir: string;
  logger: Logger;
  progress: (line: string) => void;
}

/** Runs an `images` subcommand; returns the text to print. */
export async function runImages(cfg: ClientConfig, args: string[], opts: { json: boolean }, deps: ImportDeps): Promise<string> {
  const [sub, name, ...rest] = args;
  const need = (v: string | undefined, what: string) => {
    if (!v) throw new UsageError(`images ${sub}: missing ${what}`);
    return v;
  };
  const show = (v: unknown) => JSON.stringify(v, null, 2);
  const enc = encodeURIComponent;
  switch (sub) {
    case 'list': {
      const { images } = (await callApi(cfg, 'GET', '/api/v1/images')) as { images: ApiImage[] };
      if (opts.json) return show(images);
      return table(['NAME', 'ARCH', 'KERNEL', 'ROOT', 'DISK'], images.map((i) => [i.name, i.arch ?? '-', i.kernel ?? '-', i.rootDir ?? '-', i.disk ? `${i.disk.url ?? i.disk.path} (${i.disk.compression ?? 'none'})` : '-']));
    }
    case 'show':
      return show(await callApi(cfg, 'GET', `/api/v1/images/${enc(need(name, 'NAME'))}`));
    case 'add': {
      const image = (await callApi(cfg, 'PUT', `/api/v1/images/${enc(need(name, 'NAME'))}`, parseImageArgs(rest))) as ApiImage;
      return opts.json ? show(image) : `image ${image.name} stored`;
    }
    case 'rm':
      await callApi(cfg, 'DELETE', `/api/v1/images/${enc(need(name, 'NAME'))}`);
      return `image ${name} deleted`;
    case 'import':
      return importCommand(cfg, need(name, 'NAME'), need(rest[0], 'FILE'), opts, deps);
    default:
      throw new UsageError(`images: unknown subcommand ${JSON.stringify(sub ?? '')} (list, show, add, rm, import)`);
  }
}

async function importCommand(cfg: ClientConfig, name: string, file: string, opts: { json: boolean }, deps: ImportDeps): Promise<string> {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name)) throw new UsageError('images import: NAME must be 1-63 lowercase letters, digits, . _ - (starting with a letter or digit)');
  const { importImage, removeTree } = await import('../image/import.js');
  const input = await importImage({ name, file, imagesDir: deps.imagesDir, logger: deps.logger, progress: deps.progress });
  try {
    const image = await callApi(cfg, 'PUT', `/api/v1/images/${encodeURIComponent(name)}`, input);
    return opts.json ? JSON.stringify(image, null, 2) : `image ${name} imported into ${path.join(deps.imagesDir, name)} and stored`;
  } catch (err) {
    await removeTree(path.join(deps.imagesDir, name), deps.logger);
    throw err;
  }
}
