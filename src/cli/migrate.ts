// `bootherd migrate`: applies pending schema migrations on purpose, for
// operators who gate schema changes (with `store.autoMigrate: false`, serve
// refuses a schema that is behind instead of migrating it).
import { loadConfig, type Flags } from '../config.js';
import { createLogger } from '../log.js';
import { describeStore, migrateStore } from '../store/index.js';

/** Runs `bootherd migrate`. */
export async function runMigrate(flags: Flags, out: (s: string) => void): Promise<number> {
  const config = loadConfig(flags);
  const { applied, versions } = await migrateStore(config, createLogger(config.logLevel));
  const where = describeStore(config);
  out(applied.length ? `migrated ${where}: applied ${applied.join(', ')}; schema now at ${versions.join(', ')}` : `${where}: schema up to date (${versions.join(', ')})`);
  return 0;
}
