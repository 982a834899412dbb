// The Store contract on a real PostgreSQL (a cluster of its own, a database
// per test), then what only a shared database has: migrations raced by
// instances starting together, a gated schema, and the database going away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreError, StoreUnavailableError } from '../../src/errors.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { nodeNo, storeContract } from './contract.js';

let pg: TestPostgres;
before(async () => (pg = await startPostgres()));
after(async () => pg?.destroy());

storeContract({
  name: 'postgresql',
  async fresh() {
    const name = `c_${Math.random().toString(16).slice(2, 10)}`;
    const url = await pg.createDatabase(name);
    return {
      open: (instance) => createPostgresStore(url, { instance, poolSize: 4 }),
      cleanup: async () => void (await pg.query(`DROP DATABASE "${name}" WITH (FORCE)`)),
    };
  },
});

describe('PostgreSQL store operations', () => {
  test('instances starting together apply each migration exactly once, recorded with who applied it', async () => {
    const url = await pg.createDatabase();
    const stores = await Promise.all(['a', 'b', 'c', 'd'].map((instance) => createPostgresStore(url, { instance, poolSize: 2 })));
    try {
      const rows = await pg.query<{ version: number; applied_by: string }>('SELECT version, applied_by FROM schema_version', [], url.split('/').pop());
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.version, 1);
      assert.ok(['a', 'b', 'c', 'd'].includes(rows[0]!.applied_by));
      const n = await stores[0]!.createNode(nodeNo(1), [], nodeNo(1).createdAt);
      assert.equal((await stores[3]!.getNode(n.id))?.id, n.id, 'every instance sees one schema and one registry');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test("with autoMigrate off a database that is behind is refused, naming 'bootherd migrate'; one newer than bootherd is refused too", async () => {
    const url = await pg.createDatabase();
    const db = url.split('/').pop();
    const err = await createPostgresStore(url, { migrate: false }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof StoreError);
    assert.match(err.message, /needs schema migrations 1 and store.autoMigrate is false: run 'bootherd migrate'/);
    assert.deepEqual(await pg.query("SELECT to_regclass('nodes') AS t", [], db), [{ t: null }], 'nothing was created');
    await (await createPostgresStore(url)).close();
    await pg.query('INSERT INTO schema_version (version) VALUES (999)', [], db);
    const newer = await createPostgresStore(url).then(() => null, (e: unknown) => e as Error);
    assert.match(String(newer?.message), /schema version 999 is newer than this bootherd \(1\); upgrade bootherd/);
  });

  test('withAdvisoryLock: one holder across instances; wait:false answers null while held, waiting takes it once released', async () => {
    const url = await pg.createDatabase();
    const [one, two] = await Promise.all(['a', 'b'].map((instance) => createPostgresStore(url, { instance, poolSize: 2 })));
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const order: string[] = [];
      const first = one!.db.withAdvisoryLock('watchdog', async () => (order.push('a in'), await held, order.push('a out'), 'a'));
      while (order.length === 0) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await two!.db.withAdvisoryLock('watchdog', async () => 'b', { wait: false }), null, 'held by the other instance');
      assert.equal(await two!.db.withAdvisoryLock('other-key', async () => 'free', { wait: false }), 'free', 'locks are per key');
      const waiting = two!.db.withAdvisoryLock('watchdog', async () => (order.push('b in'), 'b'));
      await new Promise((r) => setTimeout(r, 100));
      release();
      assert.deepEqual(await Promise.all([first, waiting]), ['a', 'b']);
      assert.deepEqual(order, ['a in', 'a out', 'b in']);
    } finally {
      await Promise.all([one?.close(), two?.close()]);
    }
  });

  test('the database going away: StoreUnavailableError (no leak of a driver error), and the same store works again once it is back', async () => {
    const url = await pg.createDatabase();
    const store = await createPostgresStore(url, { instance: 'a', poolSize: 2 });
    try {
      const n = await store.createNode(nodeNo(1), [{ kind: 'seen' }], nodeNo(1).createdAt);
      await pg.stop();
      for (const call of [() => store.getNode(n.id), () => store.updateNode({ ...n, version: 2 }, 1, [{ kind: 'x' }], n.createdAt), () => store.listNodes()]) {
        const err = await call().then(() => null, (e: unknown) => e);
        assert.ok(err instanceof StoreUnavailableError, `got ${String(err)}`);
        assert.equal(err.code, 'store-unavailable');
        assert.match(err.message, /^store unavailable: .*the database cannot be reached .*try again once it is back$/);
      }
      await pg.start();
      assert.deepEqual(await store.getNode(n.id), n, 'the failed update wrote nothing');
      await store.updateNode({ ...n, version: 2 }, 1, [{ kind: 'x' }], n.createdAt);
      assert.deepEqual((await store.listEvents(n.id)).map((e) => e.kind), ['seen', 'x']);
    } finally {
      await store.close();
    }
  });
});
