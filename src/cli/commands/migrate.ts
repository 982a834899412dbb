// `bootherd migrate`: applies pending schema migrations on purpose, for
// operators who gate schema changes (with `store.autoMigrate: false`, serve
// refuses a schema that is behind instead of migrating it).
import { loadConfig } from '../../config.js';
import { defineCommand } from '../command.js';
import { configFlags, storeFlags } from '../flags.js';

export default defineCommand({
  name: 'migrate',
  summary: "apply the store's pending schema migrations (SQLite or PostgreSQL)",
  description: 'Safe to run while other instances serve: PostgreSQL migrations run under an advisory lock, each once. Prints what it applied and the schema after.',
  flags: { ...configFlags, store: storeFlags.store },
  examples: ['bootherd migrate --store postgres://bootherd@db.example/bootherd', 'bootherd migrate --config /etc/bootherd/bootherd.yaml'],
  async run({ raw, io }) {
    const config = loadConfig(raw);
    const [{ createLogger }, { describeStore, migrateStore }] = await Promise.all([import('../../log.js'), import('../../store/index.js')]);
    const { applied, versions } = await migrateStore(config, createLogger(config.logLevel));
    const where = describeStore(config);
    io.out(applied.length ? `migrated ${where}: applied ${applied.join(', ')}; schema now at ${versions.join(', ')}` : `${where}: schema up to date (${versions.join(', ')})`);
  },
});
