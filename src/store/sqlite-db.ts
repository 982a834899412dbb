// Opening the SQLite file (WAL, synchronous=FULL), running migrations, and
// translating SQLite's errors into the AppError family.
import Database from 'better-sqlite3';
import { ConflictError, StoreError } from '../errors.js';
import { migrations } from './migrations.js';

/** An open database handle. */
export type Db = Database.Database;

/** Opens (creating if needed) and migrates the database at `file` (`:memory:` for tests). */
export function openDatabase(file: string): Db {
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
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) throw new StoreError(`store: database schema version ${current} is newer than this bootherd (${latest}); upgrade bootherd`);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

const uniqueColumns: Record<string, string> = {
  'nodes.hostname': 'hostname is already used by another node',
  'nodes.serial': 'serial is already claimed by another node',
  'nodes.uuid': 'uuid is already claimed by another node',
  'node_macs.mac': 'a MAC address is already claimed by another node',
  'rules.name': 'a rule with this name exists',
  'rules.id': 'a rule with this id exists',
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
    throw new StoreError(`store: ${what} failed: ${e.code}`, { cause: err });
  }
}
