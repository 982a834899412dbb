// The Store contract on SQLite: a real file in a temp dir, a second handle on
// the same file standing in for a second writer. Then what only SQLite has:
// a database file made by an older bootherd (migrations recorded in PRAGMA
// user_version, before the schema_version table) upgrades in place.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../src/store/migrations.js';
import { migrateSqlite } from '../../src/store/sqlite-db.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { at, nodeNo, storeContract } from './contract.js';

storeContract({
  name: 'sqlite',
  multiInstance: false,
  async fresh() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-store-'));
    const file = path.join(dir, 'bootherd.db');
    return {
      open: async (instance, opts) => createSqliteStore(file, { instance, ...opts }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

// A file as bootherd made it before the schema_version table: migrations 1-4, each recorded only by PRAGMA user_version.
function userVersionDatabase(file: string): void {
  const db = new Database(file);
  for (const m of migrations.filter((x) => x.version <= 4)) {
    db.exec(m.sql);
    db.pragma(`user_version = ${m.version}`);
  }
  const n = nodeNo(1, { hostname: 'old-pi', pending: true });
  db.prepare('INSERT INTO nodes (id, created_at, hostname, state, serial, uuid, last_ip, version, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(n.id, n.createdAt, n.hostname, n.state, n.identity.serial, null, n.lastIp, 1, n.updatedAt, JSON.stringify(n));
  db.prepare('INSERT INTO node_macs (mac, node_id) VALUES (?, ?)').run(n.identity.macs[0], n.id);
  db.prepare('INSERT INTO events (node_id, at, kind, data) VALUES (?, ?, ?, ?)').run(n.id, at(1), 'seen', '{"via":"tftp"}');
  db.prepare('INSERT INTO power_controllers (name, driver, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?)').run('sw1', 'manual', at(1), at(1), '{}');
  db.close();
}

test('a database file from before the schema_version table (PRAGMA user_version 4) upgrades in place and keeps every record', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-upgrade-'));
  const file = path.join(dir, 'bootherd.db');
  try {
    userVersionDatabase(file);
    const refused = (() => {
      try {
        createSqliteStore(file, { migrate: false });
        return null;
      } catch (err) {
        return err as Error;
      }
    })();
    assert.match(String(refused?.message), /needs schema migrations 5 and store.autoMigrate is false: run 'bootherd migrate'/, 'only migration 5 is pending');
    assert.deepEqual(migrateSqlite(file), { applied: [5], versions: [1, 2, 3, 4, 5] });
    const store = createSqliteStore(file, { instance: 'new' });
    try {
      const old = await store.findNode({ hostname: 'old-pi' });
      assert.ok(old, 'the node is still there');
      assert.equal(await store.countNodes({ pending: true }), 1);
      assert.deepEqual((await store.listControllers()).map((c) => c.name), ['sw1']);
      await store.appendEvents(old.id, [{ kind: 'after-upgrade' }], at(2));
      assert.deepEqual((await store.listEvents(old.id)).map((e) => [e.kind, e.data, e.instance]), [['seen', { via: 'tftp' }, null], ['after-upgrade', {}, 'new']]);
    } finally {
      await store.close();
    }
    assert.deepEqual(migrateSqlite(file), { applied: [], versions: [1, 2, 3, 4, 5] }, 'applied once');
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.pragma('user_version', { simple: true }), 5);
    assert.deepEqual((raw.prepare('SELECT version FROM schema_version ORDER BY version').all() as Array<{ version: number }>).map((r) => r.version), [1, 2, 3, 4, 5]);
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
