// Export and import of the PostgreSQL store's rows, whole (see archive.ts).
import { ConflictError } from '../errors.js';
import type { Node } from '../domain/node.js';
import { isEmpty, noCounts, notEmpty, type ArchiveCounts, type ArchiveRecord, type StoreArchive } from './archive.js';
import { controllerColumns, controllerOf, imageOf, ruleOf } from './postgres-catalog.js';
import type { PgDb, Query } from './postgres-db.js';
import { nodeValues, writeMacs } from './postgres-rows.js';
import type { StoredEvent } from './store.js';

const page = 500;

async function countsOn(q: Query): Promise<ArchiveCounts> {
  const [c] = await q<ArchiveCounts>(`SELECT (SELECT count(*)::int FROM nodes) AS nodes, (SELECT count(*)::int FROM events) AS events,
    (SELECT count(*)::int FROM rules) AS rules, (SELECT count(*)::int FROM images) AS images, (SELECT count(*)::int FROM power_controllers) AS controllers`);
  return c!;
}

// Rows of `sql` (which takes `key > $1` and LIMIT $2) in pages, keyed by column k.
async function* paged<R extends { k: string | number }>(q: Query, sql: string, start: string | number): AsyncGenerator<R> {
  for (let after = start; ;) {
    const rows = await q<R>(sql, [after, page]);
    yield* rows;
    if (rows.length < page) return;
    after = rows[rows.length - 1]!.k;
  }
}

async function* snapshot(q: Query): AsyncGenerator<ArchiveRecord> {
  for await (const r of paged<{ k: string; doc: Node }>(q, 'SELECT id AS k, doc FROM nodes WHERE id > $1 ORDER BY id LIMIT $2', '')) yield { type: 'node', node: r.doc };
  type Ev = Omit<StoredEvent, 'id'> & { k: string };
  for await (const e of paged<Ev>(q, 'SELECT id AS k, node_id AS "nodeId", at, kind, data, instance FROM events WHERE id > $1 ORDER BY id LIMIT $2', 0)) {
    yield { type: 'event', event: { id: Number(e.k), nodeId: e.nodeId, at: e.at, kind: e.kind, data: e.data, instance: e.instance } };
  }
  for await (const r of paged<Parameters<typeof ruleOf>[0] & { k: string }>(q, 'SELECT id AS k, id, sequence, created_at, doc FROM rules WHERE id > $1 ORDER BY id LIMIT $2', '')) yield { type: 'rule', rule: ruleOf(r) };
  for await (const r of paged<Parameters<typeof imageOf>[0] & { k: string }>(q, 'SELECT name AS k, created_at, updated_at, doc FROM images WHERE name > $1 ORDER BY name LIMIT $2', '')) yield { type: 'image', image: imageOf(r) };
  type ControllerRow = Parameters<typeof controllerOf>[0] & { k: string };
  for await (const r of paged<ControllerRow>(q, `SELECT name AS k, ${controllerColumns} FROM power_controllers WHERE name > $1 ORDER BY name LIMIT $2`, '')) yield { type: 'controller', controller: controllerOf(r) };
}

async function insertEventBatch(q: Query, batch: StoredEvent[]): Promise<void> {
  if (batch.length === 0) return;
  await q(
    `INSERT INTO events (id, node_id, at, kind, data, instance)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::json[], $6::text[])`,
    [batch.map((e) => e.id), batch.map((e) => e.nodeId), batch.map((e) => e.at), batch.map((e) => e.kind), batch.map((e) => JSON.stringify(e.data)), batch.map((e) => e.instance)],
  );
  batch.length = 0;
}

async function insert(q: Query, r: Exclude<ArchiveRecord, { type: 'event' }>): Promise<void> {
  if (r.type === 'node') {
    const n = r.node;
    await q('INSERT INTO nodes (id, created_at, hostname, state, serial, uuid, last_ip, version, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [n.id, n.createdAt, ...nodeValues(n)]);
    await writeMacs(q, n);
  } else if (r.type === 'rule') {
    const { id, sequence, createdAt, ...input } = r.rule;
    await q('INSERT INTO rules (id, name, priority, sequence, created_at, doc) VALUES ($1, $2, $3, $4, $5, $6)', [id, input.name, input.priority, sequence, createdAt, JSON.stringify(input)]);
  } else if (r.type === 'image') {
    const i = r.image;
    await q('INSERT INTO images (name, created_at, updated_at, doc) VALUES ($1, $2, $3, $4)', [i.name, i.createdAt, i.updatedAt, JSON.stringify(i)]);
  } else {
    const c = r.controller;
    await q('INSERT INTO power_controllers (name, driver, created_at, updated_at, doc) VALUES ($1, $2, $3, $4, $5)', [c.name, c.driver, c.createdAt, c.updatedAt, JSON.stringify(c.params)]);
  }
}

/** The archive side of the PostgreSQL store on `db`. */
export function createPostgresArchive(db: PgDb): StoreArchive {
  async function* records(): AsyncGenerator<ArchiveRecord> {
    const { q, release } = await db.connect('export');
    try {
      await q('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      yield* snapshot(q);
    } finally {
      await q('ROLLBACK').catch(() => undefined);
      release();
    }
  }

  const load = (source: AsyncIterable<ArchiveRecord>) => db.tx('import', async (q) => {
    // No instance writes while the store fills; the emptiness check holds until COMMIT.
    await q('LOCK TABLE nodes, node_macs, events, rules, images, power_controllers IN EXCLUSIVE MODE');
    const existing = await countsOn(q);
    if (!isEmpty(existing)) throw new ConflictError(notEmpty(existing), 'not-empty');
    const done = noCounts();
    const events: StoredEvent[] = [];
    for await (const r of source) {
      if (r.type === 'event') events.push(r.event);
      else await insertEventBatch(q, events).then(() => insert(q, r));
      if (events.length >= page) await insertEventBatch(q, events);
      done[`${r.type}s`]++;
    }
    await insertEventBatch(q, events);
    // New events continue after the imported ids.
    if (done.events) await q("SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))");
    return done;
  });

  return { counts: () => db.session('count', countsOn), records, load };
}
