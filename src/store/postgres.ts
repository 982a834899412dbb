// The shared Store: PostgreSQL, for several bootherd instances on one
// database (DESIGN §12). Same contract as the SQLite store: compare-and-set on
// `version` (UPDATE ... WHERE id AND version; a loser re-reads and answers
// VersionMismatchError), events in the node change's transaction, errors
// translated (postgres-db.ts).
import type { Node } from '../domain/node.js';
import type { Logger } from '../log.js';
import type { ArchivableStore } from './archive.js';
import { createPostgresArchive } from './postgres-archive.js';
import { createPgCatalog } from './postgres-catalog.js';
import { createPgDb, type PgDb } from './postgres-db.js';
import { migratePg } from './postgres-migrations.js';
import { cas, insertEvents, insertNode, mismatch, updateNodeRow, writeMacs } from './postgres-rows.js';
import type { NodeFilter, NodeKey, StoreOptions, StoredEvent } from './store.js';

/** The PostgreSQL store, and the database under it (for locks and operations). */
export type PostgresStore = ArchivableStore & { db: PgDb };

type DocRow = { doc: Node };
const first = (rows: DocRow[]): Node | null => rows[0]?.doc ?? null;

function listQuery(f: NodeFilter): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => (args.push(v), `$${args.length}`);
  if (f.state) where.push(`state = ${arg(f.state)}`);
  if (f.serial) where.push(`serial = ${arg(f.serial)}`);
  if (f.mac) where.push(`id IN (SELECT node_id FROM node_macs WHERE mac = ${arg(f.mac)})`);
  if (f.label) where.push(`doc -> 'labels' ->> ${arg(f.label.key)} = ${arg(f.label.value)}`);
  const sql = `SELECT doc FROM nodes ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at, id LIMIT ${arg(f.limit ?? null)} OFFSET ${arg(f.offset ?? 0)}`;
  return { sql, args };
}

/** Connects to PostgreSQL at `url`, migrating (or checking) the schema first. */
export async function createPostgresStore(url: string, opts: StoreOptions & { poolSize?: number; logger?: Logger } = {}): Promise<PostgresStore> {
  const instance = opts.instance ?? null;
  const db = createPgDb(url, { poolSize: opts.poolSize, instance, logger: opts.logger });
  try {
    await migratePg(db, { apply: opts.migrate !== false, instance });
  } catch (err) {
    await db.close();
    throw err;
  }

  return {
    db,
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
    async listNodes(f: NodeFilter = {}) {
      const { sql, args } = listQuery(f);
      return (await db.query<DocRow>('list nodes', sql, args)).map((r) => r.doc);
    },
    async countNodesByState() {
      const rows = await db.query<{ state: string; n: number }>('count nodes', 'SELECT state, count(*)::int AS n FROM nodes GROUP BY state');
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    async createNode(node, events, at) {
      await db.session('create node', (q) => insertNode(q, node, events, at, instance));
      return node;
    },
    async updateNode(node, expected, events, at) {
      await db.session('update node', (q) => updateNodeRow(q, node, expected, events, at, instance));
      return node;
    },
    mergeNodes: (survivor, survivorExpected, absorbedId, absorbedExpected, events, at) => db.tx('merge nodes', async (q) => {
      const gone = await q('DELETE FROM nodes WHERE id = $1 AND version = $2 RETURNING 1', [absorbedId, absorbedExpected]);
      if (gone.length !== 1) await mismatch(q, absorbedId, absorbedExpected);
      await q('UPDATE events SET node_id = $1 WHERE node_id = $2', [survivor.id, absorbedId]);
      await cas(q, survivor, survivorExpected);
      await writeMacs(q, survivor);
      await insertEvents(q, survivor.id, events, at, instance);
      return survivor;
    }),
    appendEvents: (nodeId, events, at) => db.tx('append events', async (q) => {
      // Holding the node's row lock orders its events by commit, so paging with afterId never skips one.
      await q('SELECT 1 FROM nodes WHERE id = $1 FOR NO KEY UPDATE', [nodeId]);
      await insertEvents(q, nodeId, events, at, instance);
    }),
    async listEvents(nodeId, o = {}) {
      type Ev = Omit<StoredEvent, 'id'> & { id: string };
      const rows = await db.query<Ev>('list events', 'SELECT id, node_id AS "nodeId", at, kind, data, instance FROM events WHERE node_id = $1 AND id > $2 ORDER BY id LIMIT $3', [nodeId, o.afterId ?? 0, Math.min(o.limit ?? 500, 5000)]);
      return rows.map((r) => ({ ...r, id: Number(r.id) }));
    },
    ...createPgCatalog(db),
    archive: createPostgresArchive(db),
    async close() {
      await db.close();
    },
  };
}
