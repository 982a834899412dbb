// `bootherd store import FILE|-`: loads an archive written by `store export`
// into an empty store, in one transaction; a truncated or corrupt archive is
// refused, naming the line, and nothing is imported.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { loadConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import { defineCommand } from '../command.js';
import { configFlags, storeFlags } from '../flags.js';

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

export default defineCommand({
  name: 'store import',
  summary: 'load a store export into an empty store, e.g. SQLite -> PostgreSQL',
  flags: { ...configFlags, store: storeFlags.store },
  positionals: [{ name: 'FILE', help: 'the archive, or - for standard input', complete: 'file' }],
  examples: ['bootherd store import registry.jsonl --store postgres://bootherd@db.example/bootherd', 'bootherd store export --data-dir old | bootherd store import - --data-dir new'],
  async run({ args, raw, io }) {
    const config = loadConfig(raw);
    const [{ createLogger }, { createStore, describeStore }, { readArchive }] = await Promise.all([import('../../log.js'), import('../../store/index.js'), import('../../store/archive.js')]);
    const file = args.FILE!;
    if (file !== '-' && !existsSync(file)) throw new AppError('not-found', `store import: no archive at ${path.resolve(file)}`);
    const input = file === '-' ? process.stdin.setEncoding('utf8') : createReadStream(path.resolve(file), { encoding: 'utf8' });
    const store = await createStore(config, createLogger(config.logLevel));
    try {
      const c = await store.archive.load(readArchive(linesOf(input)));
      io.out(`imported ${c.nodes} nodes, ${c.events} events, ${c.rules} rules, ${c.images} images, ${c.controllers} power controllers into ${describeStore(config)}`);
    } finally {
      await store.close();
    }
  },
});
