// The Store contract on a real PostgreSQL (a cluster of its own, a database
// per test), then what only a shared database has: migrations raced by
// instances starting together, a gated schema, and the database going away
// (requests, the event listener and held locks).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreError, StoreUnavailableError } from '../../src/errors.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { nodeNo, storeContract, type CommitGate } from './contract.js';
import pgLib from 'pg';

let pg: TestPostgres;
before(async () => (pg = await startPostgres()));
after(async () => pg?.destroy());

const gateKey = 4242;

// Holds back the COMMIT of transactions that wrote an event of `kind`: a deferred trigger waits for an advisory lock this connection holds.
async function holdCommits(url: string, kind: string): Promise<CommitGate> {
  const holder = new pgLib.Client({ connectionString: url });
  await holder.connect();
  await holder.query(`CREATE FUNCTION test_gate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(${gateKey}); RETURN NULL; END $$`);
  await holder.query(`CREATE CONSTRAINT TRIGGER test_gate AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = '${kind}') EXECUTE FUNCTION test_gate()`);
  await holder.query('SELECT pg_advisory_lock($1)', [gateKey]);
  return {
    async waiting(n) {
      for (let i = 0; ; i++) {
        const [r] = (await holder.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows as Array<{ n: number }>;
        if (r!.n >= n) return;
        if (i > 3000) throw new Error(`never ${n} sessions waiting on a lock`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    async release() {
      await holder.query('SELECT pg_advisory_unlock($1)', [gateKey]);
      await holder.query('DROP TRIGGER test_gate ON events; DROP FUNCTION test_gate()');
      await holder.end();
    },
  };
}

storeContract({
  name: 'postgresql',
  multiInstance: true,
  async fresh() {
    const name = `c_${Math.random().toString(16).slice(2, 10)}`;
    const url = await pg.createDatabase(name);
    return {
      open: (instance, opts) => createPostgresStore(url, { instance, poolSize: 4, ...opts }),
      holdCommits: (kind) => holdCommits(url, kind),
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
      assert.deepEqual(rows.map((r) => r.version).sort(), [1, 2]);
      for (const r of rows) assert.ok(['a', 'b', 'c', 'd'].includes(r.applied_by));
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
    assert.match(err.message, /needs schema migrations 1, 2 and store.autoMigrate is false: run 'bootherd migrate'/);
    assert.deepEqual(await pg.query("SELECT to_regclass('nodes') AS t", [], db), [{ t: null }], 'nothing was created');
    await (await createPostgresStore(url)).close();
    await pg.query('INSERT INTO schema_version (version) VALUES (999)', [], db);
    const newer = await createPostgresStore(url).then(() => null, (e: unknown) => e as Error);
    assert.match(String(newer?.message), /schema version 999 is newer than this bootherd \(2\); upgrade bootherd/);
  });

  test('a database restart: a held lock\'s lease aborts and the lock is free for others; the event listener reconnects and hears the other instances again', async () => {
    const url = await pg.createDatabase();
    let heard = 0;
    const a = await createPostgresStore(url, { instance: 'a', poolSize: 2 });
    const b = await createPostgresStore(url, { instance: 'b', poolSize: 2, onEvents: () => heard++ });
    try {
      const n = await a.createNode(nodeNo(1), [{ kind: 'seen' }], nodeNo(1).createdAt);
      let lost: unknown = null;
      const holding = b.withLock('webhook:x', (lease) => new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => ((lost = lease.signal.reason), resolve()))));
      while ((await a.withLock('webhook:x', async () => 'a', { wait: false })) !== null) await new Promise((r) => setTimeout(r, 10));
      await pg.stop();
      await holding;
      assert.ok(lost instanceof StoreUnavailableError, `the holder is told its lock is gone: ${String(lost)}`);
      await pg.start();
      assert.equal(await a.withLock('webhook:x', async () => 'a', { wait: false }), 'a', 'the lost lock is free for another instance');
      await b.listener!.ready();
      heard = 0;
      await a.appendEvents(n.id, [{ kind: 'after-restart' }], nodeNo(1).createdAt);
      for (let i = 0; heard === 0; i++) {
        assert.ok(i < 2000, "B's listener never heard A's event after the restart");
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual((await b.listAllEvents({ newest: true, limit: 1 })).map((e) => [e.kind, e.instance]), [['after-restart', 'a']]);
    } finally {
      await Promise.all([a.close(), b.close()]);
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
