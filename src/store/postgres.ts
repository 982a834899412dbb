// The shared Store: PostgreSQL, for several bootherd instances on one
// database (DESIGN §12). Same contract as the SQLite store: compare-and-set on
// `version` (UPDATE ... WHERE id AND version; a loser re-reads and answers
// VersionMismatchError), events in the node change's transaction and visible
// in id order (the events trigger, postgres-migrations.ts), errors translated
// (postgres-db.ts), locks as advisory locks, and every instance's event feed
// woken by the others' events (postgres-listen.ts).
import { randomBytes } from 'node:crypto';
import { normalizeNode, type Node } from '../domain/node.js';
import type { Logger } from '../log.js';
import type { ArchivableStore } from './archive.js';
import { createPostgresArchive } from './postgres-archive.js';
import { createPgCatalog } from './postgres-catalog.js';
import { createLocalLocks } from './local-locks.js';
import { createPgDb, type PgDb, type Query } from './postgres-db.js';
import { listenForEvents, type EventListener } from './postgres-listen.js';
import { migratePg } from './postgres-migrations.js';
import { allEventsQuery, countNodesQuery, eventOf, listNodesQuery, nodeEventsQuery } from './postgres-queries.js';
import { cas, insertEvents, insertNode, mismatch, updateNodeRow, writeMacs } from './postgres-rows.js';
import type { NewEvent, NodeKey, Store, StoreOptions } from './store.js';

/** The PostgreSQL store, the database under it (for operations), and its listener when `onEvents` was given. */
export type PostgresStore = ArchivableStore & { db: PgDb; listener: EventListener | null };

type DocRow = { doc: Node };
const first = (rows: DocRow[]): Node | null => (rows[0] ? normalizeNode(rows[0].doc) : null);
type EventRow = Parameters<typeof eventOf>[0];

/** Connects to PostgreSQL at `url`, migrating (or checking) the schema first. */
export async function createPostgresStore(url: string, opts: StoreOptions & { poolSize?: number; logger?: Logger } = {}): Promise<PostgresStore> {
  const instance = opts.instance ?? null;
  // This store's token on the NOTIFYs its commits cause: its own listener skips them (it wakes its feed itself, at once).
  const writer = randomBytes(8).toString('hex');
  const db = createPgDb(url, { poolSize: opts.poolSize, instance, writer, logger: opts.logger });
  try {
    await migratePg(db, { apply: opts.migrate !== false, instance });
  } catch (err) {
    await db.close();
    throw err;
  }
  const onEvents = opts.onEvents;
  const listener = onEvents ? listenForEvents(url, { instance, writer, wake: onEvents, logger: opts.logger }) : null;
  await listener?.started;
  // Runs a write; when it wrote events, tells this instance's feed once it committed.
  const announcing = async <T>(events: NewEvent[], write: () => Promise<T>): Promise<T> => {
    const result = await write();
    if (events.length) onEvents?.();
    return result;
  };
  // A node write and its events: one statement when there are none, else a transaction with the events last.
  const withEvents = (what: string, nodeId: string, events: NewEvent[], at: string, write: (q: Query) => Promise<void>) =>
    announcing(events, () => (events.length ? db.tx(what, async (q) => (await write(q), await insertEvents(q, nodeId, events, at, instance))) : db.session(what, write)));

  // Callers in this process take the key in turn before the database lock, so waiters never hold more than one connection per key.
  const local = createLocalLocks();

  const store: PostgresStore = {
    db,
    listener,
    async getNode(id) {
      return first(await db.query<DocRow>('get node', 'SELECT doc FROM nodes WHERE id = $1', [id]));
    },
    async findNode(key: NodeKey) {
      const by = (sql: string, v: string) => db.query<DocRow>('find node', sql, [v]).then(first);
      if ('mac' in key) return by('SELECT n.doc FROM node_macs m JOIN nodes n ON n.id = m.node_id WHERE m.mac = $1', key.mac);
      if ('serial' in key) return by('SELECT doc FROM nodes WHERE serial = $1', key.serial);
      if ('uuid' in key) return by('SELECT doc FROM nodes WHERE uuid = $1', key.uuid);
      if ('hostname' in key) return by('SELECT doc FROM nodes WHERE hostname = $1', key.hostname);
      return by('SELECT doc FROM nodes WHERE last_ip = $1 ORDER BY updated_at DESC LIMIT 1', key.ip);
    },
    async listNodes(f = {}) {
      const { sql, args } = listNodesQuery(f);
      return (await db.query<DocRow>('list nodes', sql, args)).map((r) => normalizeNode(r.doc));
    },
    async countNodesByState() {
      const rows = await db.query<{ state: string; n: number }>('count nodes', 'SELECT state, count(*)::int AS n FROM nodes GROUP BY state');
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    async countNodes(f = {}) {
      const { sql, args } = countNodesQuery(f);
      return (await db.query<{ n: number }>('count nodes', sql, args))[0]!.n;
    },
    async createNode(node, events, at) {
      await withEvents('create node', node.id, events, at, (q) => insertNode(q, node));
      return node;
    },
    async updateNode(node, expected, events, at) {
      await withEvents('update node', node.id, events, at, (q) => updateNodeRow(q, node, expected));
      return node;
    },
    mergeNodes: (survivor, survivorExpected, absorbedId, absorbedExpected, events, at) => announcing(events, () => db.tx('merge nodes', async (q) => {
      const gone = await q('DELETE FROM nodes WHERE id = $1 AND version = $2 RETURNING 1', [absorbedId, absorbedExpected]);
      if (gone.length !== 1) await mismatch(q, absorbedId, absorbedExpected);
      await q('UPDATE events SET node_id = $1 WHERE node_id = $2', [survivor.id, absorbedId]);
      await cas(q, survivor, survivorExpected);
      await writeMacs(q, survivor);
      await insertEvents(q, survivor.id, events, at, instance);
      return survivor;
    })),
    deleteNode: (id, expected, events = [], at = new Date().toISOString()) => withEvents('delete node', id, events, at, async (q) => {
      // Its node_macs rows go with it (ON DELETE CASCADE); its events stay.
      const gone = await q('DELETE FROM nodes WHERE id = $1 AND version = $2 RETURNING 1', [id, expected]);
      if (gone.length !== 1) await mismatch(q, id, expected);
    }),
    // One statement: it takes only the event-order lock, so it needs no transaction of its own.
    appendEvents: (nodeId, events, at) => announcing(events, () => db.session('append events', (q) => insertEvents(q, nodeId, events, at, instance))),
    async listEvents(nodeId, o = {}) {
      const { sql, args } = nodeEventsQuery(nodeId, o);
      return (await db.query<EventRow>('list events', sql, args)).map(eventOf);
    },
    async listAllEvents(query) {
      const { sql, args } = allEventsQuery(query);
      const rows = (await db.query<EventRow>('list all events', sql, args)).map(eventOf);
      return query.newest ? rows.reverse() : rows;
    },
    ...createPgCatalog(db),
    withLock: ((key, fn, o) => local(key, () => db.withAdvisoryLock(key, (_q, lease) => fn(lease), o), o ?? {})) as Store['withLock'],
    archive: createPostgresArchive(db),
    async close() {
      await listener?.stop();
      await db.close();
    },
  };
  return store;
}
