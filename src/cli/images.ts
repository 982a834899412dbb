// Helpers of `bootherd images add` and `images import`: an image body from
// KEY=VALUE arguments, and an OS image file unpacked locally, then stored.
import path from 'node:path';
import type { ClientConfig } from '../config.js';
import type { Logger } from '../log.js';
import { callApi } from './client.js';
import { UsageError } from './usage.js';

/** Parses `KEY=VALUE...` (dots nest: disk.sha256=...) or one JSON argument into an image body. */
export function parseImageArgs(args: string[]): Record<string, unknown> {
  if (args.length === 1 && args[0]!.trim().startsWith('{')) {
    try {
      return JSON.parse(args[0]!) as Record<string, unknown>;
    } catch {
      throw new UsageError('image: not valid JSON');
    }
  }
  const body: Record<string, unknown> = {};
  for (const kv of args) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`image: expected KEY=VALUE, got ${JSON.stringify(kv)}`);
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

/** Unpacks FILE into `<imagesDir>/NAME` and stores it through the API; removes what it made when the API refuses it. */
export async function importAndStore(cfg: ClientConfig, name: string, file: string, deps: ImportDeps): Promise<unknown> {
  const { importImage, removeTree } = await import('../image/import.js');
  const input = await importImage({ name, file, imagesDir: deps.imagesDir, logger: deps.logger, progress: deps.progress });
  try {
    return await callApi(cfg, 'PUT', `/api/v1/images/${encodeURIComponent(name)}`, input);
  } catch (err) {
    await removeTree(path.join(deps.imagesDir, name), deps.logger);
    throw err;
  }
}
