// Opening the SQLite file (WAL, synchronous=FULL), running migrations, and
// translating SQLite's errors into the AppError family.
import Database from 'better-sqlite3';
import type { Node } from '../domain/node.js';
import { ConflictError, StoreError, StoreUnavailableError } from '../errors.js';
import { migrations } from './migrations.js';

/** An open database handle. */
export type Db = Database.Database;

/** Opens (creating if needed) the database at `file` (`:memory:` for tests), applying pending migrations unless `migrate` is false. */
export function openDatabase(file: string, opts: { migrate?: boolean } = {}): Db {
  return openMigrated(file, opts.migrate !== false).db;
}

/** Applies the pending migrations of the database at `file`; answers those applied now and every applied one. */
export function migrateSqlite(file: string): { applied: number[]; versions: number[] } {
  const { db, applied } = openMigrated(file, true);
  const versions = schemaVersions(db);
  db.close();
  return { applied, versions };
}

function openMigrated(file: string, apply: boolean): { db: Db; applied: number[] } {
  let db: Db;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // FULL: a change the API acknowledged survives kill -9 and power loss.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new StoreError(`store: cannot open database ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return { db, applied: guard('migrate', () => migrate(db, apply)) };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Versions applied to `db`: the schema_version table, or (older files) every migration up to user_version. */
function appliedVersions(db: Db): Set<number> {
  const current = db.pragma('user_version', { simple: true }) as number;
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get() !== undefined;
  if (hasTable) return new Set((db.prepare('SELECT version FROM schema_version').all() as Array<{ version: number }>).map((r) => r.version));
  return new Set(migrations.filter((m) => m.version <= current).map((m) => m.version));
}

function migrate(db: Db, apply: boolean): number[] {
  const applied = appliedVersions(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const newest = Math.max(0, ...applied);
  if (newest > latest) throw new StoreError(`store: database schema version ${newest} is newer than this bootherd (${latest}); upgrade bootherd`);
  const pending = migrations.filter((m) => !applied.has(m.version));
  if (pending.length === 0) return [];
  if (!apply) throw new StoreError(`store: the database needs schema migrations ${pending.map((m) => m.version).join(', ')} and store.autoMigrate is false: run 'bootherd migrate'`);
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const record = db.prepare('INSERT OR IGNORE INTO schema_version (version, applied_at) VALUES (?, ?)');
    for (const v of applied) record.run(v, new Date().toISOString());
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, new Date().toISOString());
    }
    db.pragma(`user_version = ${Math.max(newest, ...pending.map((m) => m.version))}`);
  })();
  return pending.map((m) => m.version);
}

/** The migrations `db` has applied, in order. */
export function schemaVersions(db: Db): number[] {
  return [...appliedVersions(db)].sort((a, b) => a - b);
}

const uniqueColumns: Record<string, string> = {
  'nodes.id': 'a node with this id exists',
  'nodes.hostname': 'hostname is already used by another node',
  'nodes.serial': 'serial is already claimed by another node',
  'nodes.uuid': 'uuid is already claimed by another node',
  'node_macs.mac': 'a MAC address is already claimed by another node',
  'rules.name': 'a rule with this name exists',
  'rules.id': 'a rule with this id exists',
  'images.name': 'an image with this name exists',
  'events.id': 'an event with this id exists',
};

/** Runs `fn`, translating SQLite errors (never leaked past the store). */
export function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (!e.code?.startsWith('SQLITE_')) throw err;
    if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      const col = /failed: ([\w.]+)/.exec(e.message ?? '')?.[1] ?? '';
      throw new ConflictError(`${what}: ${uniqueColumns[col] ?? 'already exists'}`, 'duplicate');
    }
    // Still locked by another writer after busy_timeout: transient, like a database that is away.
    if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') throw new StoreUnavailableError(`store unavailable: ${what}: the database is locked by another writer (${e.code}); nothing was changed, try again`, { cause: err });
    throw new StoreError(`store: ${what} failed: ${e.code}`, { cause: err });
  }
}

/** The indexed columns of a node row (after id and created_at), then its JSON doc. */
export function nodeColumns(n: Node) {
  return [n.hostname, n.state, n.identity.serial, n.identity.uuid, n.lastIp, n.version, n.updatedAt, JSON.stringify(n)] as const;
}
