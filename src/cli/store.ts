// `bootherd store export|import`: the whole store as JSON lines (archive.ts),
// to move a registry between stores, e.g. from SQLite to PostgreSQL.
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { loadConfig, type Flags } from '../config.js';
import { createLogger } from '../log.js';
import { readArchive, writeArchive, type ArchiveCounts } from '../store/archive.js';
import { AppError } from '../errors.js';
import { createStore, describeStore, sqliteFile } from '../store/index.js';
import { UsageError } from './usage.js';

const summary = (c: ArchiveCounts) => `${c.nodes} nodes, ${c.events} events, ${c.rules} rules, ${c.images} images`;

// The lines of a stream, read only as fast as they are consumed (readline's iterator drops lines emitted before iteration starts).
async function* linesOf(input: Readable): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of input) {
    const parts = (rest + String(chunk)).split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

async function writeTo(stream: Writable, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, 'drain');
}

async function exportTo(file: string | undefined, run: (write: (line: string) => Promise<void>) => Promise<ArchiveCounts>): Promise<ArchiveCounts> {
  if (!file || file === '-') return run((line) => writeTo(process.stdout, line));
  // Written beside the target and renamed at the end, so a failed export never leaves a partial file under the name.
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
  const stream = createWriteStream(tmp, { mode: 0o600 });
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

/** Runs `bootherd store export [--out FILE]` or `bootherd store import FILE|-`. */
export async function runStoreCommand(flags: Flags, args: string[], out: (s: string) => void): Promise<number> {
  const [verb, file] = args;
  if (verb !== 'export' && verb !== 'import') throw new UsageError('store: usage: bootherd store export [--out FILE] | bootherd store import FILE|-');
  if (verb === 'import' && !file) throw new UsageError('store import: name the archive file (or - for standard input)');
  const config = loadConfig(flags);
  if (verb === 'export' && !config.store.url && !existsSync(sqliteFile(config))) throw new AppError('not-found', `store export: no database at ${sqliteFile(config)}: name the data dir with --data-dir, or PostgreSQL with --store`);
  const store = await createStore(config, createLogger(config.logLevel));
  try {
    if (verb === 'export') {
      const target = typeof flags.out === 'string' ? path.resolve(flags.out) : undefined;
      const counts = await exportTo(target, (write) => writeArchive(store.archive, describeStore(config), write));
      process.stderr.write(`exported ${summary(counts)} from ${describeStore(config)}${target ? ` to ${target}` : ''}\n`);
      return 0;
    }
    const input = file === '-' ? process.stdin.setEncoding('utf8') : createReadStream(path.resolve(file!), { encoding: 'utf8' });
    const counts = await store.archive.load(readArchive(linesOf(input)));
    out(`imported ${summary(counts)} into ${describeStore(config)}`);
    return 0;
  } finally {
    await store.close();
  }
}
