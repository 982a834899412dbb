// `bootherd store export`: the whole store as JSON lines (src/store/archive.ts),
// to move a registry between stores (SQLite -> PostgreSQL) or keep a backup.
// The archive holds secrets (power controllers' passwords and communities,
// node tokens): a file is written with mode 0600.
import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { loadConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import type { ArchiveCounts } from '../../store/archive.js';
import { defineCommand } from '../command.js';
import { configFlags, storeFlags } from '../flags.js';

async function writeTo(stream: Writable, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, 'drain');
}

// Written beside the target and renamed at the end, so a failed export never leaves a partial file under the name.
async function exportTo(file: string | undefined, run: (write: (line: string) => Promise<void>) => Promise<ArchiveCounts>): Promise<ArchiveCounts> {
  if (!file) return run((line) => writeTo(process.stdout, line));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
  rmSync(tmp, { force: true });
  // 'wx': a new file, so mode 0600 holds (an existing file would keep its own mode).
  const stream = createWriteStream(tmp, { mode: 0o600, flags: 'wx' });
  try {
    const counts = await run((line) => writeTo(stream, line));
    stream.end();
    await once(stream, 'finish');
    renameSync(tmp, file);
    return counts;
  } catch (err) {
    stream.destroy();
    rmSync(tmp, { force: true });
    throw err;
  }
}

export default defineCommand({
  name: 'store export',
  summary: 'write the whole store as JSON lines: a backup, secrets included',
  description: 'A backup: it holds every secret the store holds (power controller passwords and communities, node tokens), so --out files are created with mode 0600; keep them like the database. Import it with `bootherd store import`.',
  flags: {
    ...configFlags,
    store: storeFlags.store,
    out: { type: 'string', value: 'FILE', help: 'write to FILE (mode 0600) instead of standard output', complete: 'file' },
  },
  examples: ['bootherd store export --data-dir /var/lib/bootherd --out registry.jsonl', 'bootherd store export --store postgres://bootherd@db.example/bootherd > backup.jsonl'],
  async run({ flags, raw, io }) {
    const config = loadConfig(raw);
    const [{ createLogger }, { createStore, describeStore, sqliteFile }, { writeArchive }] = await Promise.all([import('../../log.js'), import('../../store/index.js'), import('../../store/archive.js')]);
    if (!config.store.url && !existsSync(sqliteFile(config))) throw new AppError('not-found', `store export: no database at ${sqliteFile(config)}: name the data dir with --data-dir, or PostgreSQL with --store`);
    const store = await createStore(config, createLogger(config.logLevel));
    try {
      const target = flags.out && flags.out !== '-' ? path.resolve(flags.out) : undefined;
      const c = await exportTo(target, (write) => writeArchive(store.archive, describeStore(config), write));
      io.err(`exported ${c.nodes} nodes, ${c.events} events, ${c.rules} rules, ${c.images} images, ${c.controllers} power controllers from ${describeStore(config)}${target ? ` to ${target}` : ''}`);
    } finally {
      await store.close();
    }
  },
});
