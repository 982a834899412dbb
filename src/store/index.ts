// Choosing the store: SQLite in the data dir by default, PostgreSQL when
// `store.url` (--store, BOOTHERD_STORE) names one (DESIGN §6, §12).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { ArchivableStore } from './archive.js';
import { createPgDb, redactUrl } from './postgres-db.js';
import { migratePg, pgSchemaVersions } from './postgres-migrations.js';
import { createPostgresStore } from './postgres.js';
import { migrateSqlite } from './sqlite-db.js';
import { createSqliteStore } from './sqlite.js';
import type { StoreOptions } from './store.js';

/** The SQLite file a config points at. */
export const sqliteFile = (config: Config) => path.join(config.dataDir, 'bootherd.db');

/** Where the store lives, for people: the SQLite path or the PostgreSQL URL without its password. */
export function describeStore(config: Config): string {
  return config.store.url ? `postgresql ${redactUrl(config.store.url)}` : `sqlite ${sqliteFile(config)}`;
}

/**
 * Opens the configured store; migrates its schema when `migrate` (default:
 * store.autoMigrate), else refuses one that is behind. `onEvents` hears of
 * new events from this instance and, on PostgreSQL, from every other one.
 */
export async function createStore(config: Config, logger: Logger, opts: Pick<StoreOptions, 'migrate' | 'onEvents'> = {}): Promise<ArchivableStore> {
  const common = { instance: config.instance.name, migrate: opts.migrate ?? config.store.autoMigrate, onEvents: opts.onEvents };
  if (config.store.url) return createPostgresStore(config.store.url, { ...common, poolSize: config.store.poolSize, logger });
  mkdirSync(config.dataDir, { recursive: true });
  return createSqliteStore(sqliteFile(config), common);
}

/** Applies every pending migration of the configured store; answers the versions applied now and the schema after. */
export async function migrateStore(config: Config, logger: Logger): Promise<{ applied: number[]; versions: number[] }> {
  if (config.store.url) {
    const db = createPgDb(config.store.url, { poolSize: 2, instance: config.instance.name, logger });
    try {
      const applied = await migratePg(db, { apply: true, instance: config.instance.name });
      return { applied, versions: await pgSchemaVersions(db) };
    } finally {
      await db.close();
    }
  }
  mkdirSync(config.dataDir, { recursive: true });
  return migrateSqlite(sqliteFile(config));
}
