// The embedded Store: one SQLite file in the data dir (DESIGN §6).
import type Database from 'better-sqlite3';
import { NotFoundError, VersionMismatchError } from '../errors.js';
import { normalizeNode, type Node } from '../domain/node.js';
import type { ArchivableStore } from './archive.js';
import { createLocalLocks } from './local-locks.js';
import { createSqliteArchive } from './sqlite-archive.js';
import { catalogMethods } from './sqlite-catalog.js';
import { controllerMethods } from './sqlite-controllers.js';
import { guard, nodeColumns, openDatabase, type Db } from './sqlite-db.js';
import type { EventQuery, NewEvent, NodeFilter, NodeKey, StoreOptions, StoredEvent } from './store.js';

type Row = { doc: string };
type EventRow = Omit<StoredEvent, 'data'> & { data: string };
const eventColumns = 'id, node_id AS nodeId, at, kind, data, instance';

/** Opens the SQLite store at `file` (`:memory:` for tests). */
export function createSqliteStore(file: string, opts: StoreOptions = {}): ArchivableStore {
  const db = openDatabase(file, { migrate: opts.migrate });
  const instance = opts.instance ?? null;
  const announce = <T>(events: NewEvent[], result: T): T => {
    if (events.length) opts.onEvents?.();
    return result;
  };
  const q = prepare(db);
  const prepared = statementCache(db);
  const parse = (r: Row | undefined): Node | null => (r ? normalizeNode(JSON.parse(r.doc) as Node) : null);

  const insertEvents = (nodeId: string, events: NewEvent[], at: string) => {
    for (const e of events) q.insertEvent.run(nodeId, at, e.kind, JSON.stringify(e.data ?? {}), instance);
  };
  const writeMacs = (node: Node) => {
    q.deleteMacs.run(node.id);
    for (const mac of node.identity.macs) q.insertMac.run(mac, node.id);
  };
  const cols = nodeColumns;
  const cas = (node: Node, expected: number) => {
    const res = q.updateNode.run(...cols(node), node.id, expected);
    if (res.changes === 1) return;
    const cur = q.versionOf.get(node.id) as { version: number } | undefined;
    if (!cur) throw new NotFoundError(`node ${node.id}: not found`);
    throw new VersionMismatchError(cur.version, expected);
  };

  // Deletes a node with compare-and-set; node_macs rows go with it (ON DELETE CASCADE).
  const remove = (id: string, expected: number) => {
    if (q.deleteNode.run(id, expected).changes === 1) return;
    const cur = q.versionOf.get(id) as { version: number } | undefined;
    if (!cur) throw new NotFoundError(`node ${id}: not found`);
    throw new VersionMismatchError(cur.version, expected);
  };

  const store: ArchivableStore = {
    async getNode(id) {
      return guard('get node', () => parse(q.getNode.get(id) as Row | undefined));
    },
    async findNode(key: NodeKey) {
      return guard('find node', () => {
        if ('mac' in key) return parse(q.byMac.get(key.mac) as Row | undefined);
        if ('serial' in key) return parse(q.bySerial.get(key.serial) as Row | undefined);
        if ('uuid' in key) return parse(q.byUuid.get(key.uuid) as Row | undefined);
        if ('hostname' in key) return parse(q.byHostname.get(key.hostname) as Row | undefined);
        return parse(q.byIp.get(key.ip) as Row | undefined);
      });
    },
    async listNodes(f: NodeFilter = {}) {
      return guard('list nodes', () => listNodes(db, f).map((r) => normalizeNode(JSON.parse(r.doc) as Node)));
    },
    async countNodesByState() {
      return guard('count nodes', () => Object.fromEntries((q.countByState.all() as Array<{ state: string; n: number }>).map((r) => [r.state, r.n])));
    },
    async countNodes(f: NodeFilter = {}) {
      return guard('count nodes', () => {
        const w = whereOf(f);
        return (db.prepare(`SELECT count(*) AS n FROM nodes ${w.sql}`).get(...w.args) as { n: number }).n;
      });
    },
    async createNode(node, events, at) {
      return announce(events, guard('create node', () => db.transaction(() => {
        q.insertNode.run(node.id, node.createdAt, ...cols(node));
        writeMacs(node);
        insertEvents(node.id, events, at);
        return node;
      })()));
    },
    async updateNode(node, expected, events, at) {
      return announce(events, guard('update node', () => db.transaction(() => {
        cas(node, expected);
        writeMacs(node);
        insertEvents(node.id, events, at);
        return node;
      })()));
    },
    async mergeNodes(survivor, survivorExpected, absorbedId, absorbedExpected, events, at) {
      return announce(events, guard('merge nodes', () => db.transaction(() => {
        remove(absorbedId, absorbedExpected);
        q.moveEvents.run(survivor.id, absorbedId);
        cas(survivor, survivorExpected);
        writeMacs(survivor);
        insertEvents(survivor.id, events, at);
        return survivor;
      })()));
    },
    async deleteNode(id, expected, events = [], at = new Date().toISOString()) {
      announce(events, guard('delete node', () => db.transaction(() => {
        remove(id, expected);
        insertEvents(id, events, at);
      })()));
    },
    async appendEvents(nodeId, events, at) {
      announce(events, guard('append events', () => db.transaction(() => insertEvents(nodeId, events, at))()));
    },
    async listEvents(nodeId, opts = {}) {
      return guard('list events', () => {
        const kinds = opts.kinds ?? [];
        const sql = `SELECT ${eventColumns} FROM events WHERE node_id = ? AND id > ? AND id < ?${kinds.length ? ` AND kind IN (${kinds.map(() => '?').join(',')})` : ''} ORDER BY id ${opts.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`;
        const rows = prepared(sql).all(nodeId, opts.afterId ?? 0, opts.beforeId ?? Number.MAX_SAFE_INTEGER, ...kinds, Math.min(opts.limit ?? 500, 5000)) as EventRow[];
        return rows.map(parseEvent);
      });
    },
    async listAllEvents(query) {
      return guard('list all events', () => listAllEvents(prepared, query).map(parseEvent));
    },
    ...catalogMethods(db),
    ...controllerMethods(db),
    withLock: createLocalLocks(),
    archive: createSqliteArchive(db),
    async close() {
      db.close();
    },
  };
  return store;
}

const parseEvent = (r: EventRow): StoredEvent => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> });

// Statements by SQL text: a stream's filters make a handful of shapes, read often.
function statementCache(db: Db): (sql: string) => Database.Statement<unknown[]> {
  const cache = new Map<string, Database.Statement<unknown[]>>();
  return (sql) => {
    let st = cache.get(sql);
    if (!st) {
      if (cache.size >= 64) cache.delete(cache.keys().next().value!);
      st = db.prepare(sql);
      cache.set(sql, st);
    }
    return st;
  };
}

function listAllEvents(prepare: ReturnType<typeof statementCache>, q: EventQuery): EventRow[] {
  const where = ['id > ?'];
  const args: unknown[] = [q.afterId ?? 0];
  if (q.nodeId) (where.push('node_id = ?'), args.push(q.nodeId));
  if (q.kinds?.length) (where.push(`kind IN (${q.kinds.map(() => '?').join(', ')})`), args.push(...q.kinds));
  if (q.label) (where.push("node_id IN (SELECT id FROM nodes WHERE json_extract(doc, '$.labels.' || json_quote(?)) = ?)"), args.push(q.label.key, q.label.value));
  const limit = Math.min(q.limit ?? 500, 5000);
  const sql = `SELECT ${eventColumns} FROM events WHERE ${where.join(' AND ')} ORDER BY id ${q.newest ? 'DESC' : ''} LIMIT ?`;
  const rows = prepare(sql).all(...args, limit) as EventRow[];
  return q.newest ? rows.reverse() : rows;
}

function whereOf(f: NodeFilter): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.state) (where.push('state = ?'), args.push(f.state));
  if (f.serial) (where.push('serial = ?'), args.push(f.serial));
  if (f.mac) (where.push('id IN (SELECT node_id FROM node_macs WHERE mac = ?)'), args.push(f.mac));
  if (f.label) (where.push("json_extract(doc, '$.labels.' || json_quote(?)) = ?"), args.push(f.label.key, f.label.value));
  // `pending = 1` as the nodes_pending index has it; absent (older docs) counts as not pending.
  if (f.pending !== undefined) where.push(f.pending ? "json_extract(doc, '$.pending') = 1" : "coalesce(json_extract(doc, '$.pending'), 0) = 0");
  return { sql: where.length ? 'WHERE ' + where.join(' AND ') : '', args };
}

function listNodes(db: Db, f: NodeFilter): Row[] {
  const w = whereOf(f);
  return db.prepare(`SELECT doc FROM nodes ${w.sql} ORDER BY created_at, id LIMIT ? OFFSET ?`).all(...w.args, f.limit ?? -1, f.offset ?? 0) as Row[];
}

function prepare(db: Db) {
  const s = (sql: string) => db.prepare(sql);
  return {
    getNode: s('SELECT doc FROM nodes WHERE id = ?'),
    bySerial: s('SELECT doc FROM nodes WHERE serial = ?'),
    byUuid: s('SELECT doc FROM nodes WHERE uuid = ?'),
    byHostname: s('SELECT doc FROM nodes WHERE hostname = ?'),
    byIp: s('SELECT doc FROM nodes WHERE last_ip = ? ORDER BY updated_at DESC LIMIT 1'),
    byMac: s('SELECT n.doc FROM node_macs m JOIN nodes n ON n.id = m.node_id WHERE m.mac = ?'),
    countByState: s('SELECT state, count(*) AS n FROM nodes GROUP BY state'),
    versionOf: s('SELECT version FROM nodes WHERE id = ?'),
    insertNode: s('INSERT INTO nodes (id, created_at, hostname, state, serial, uuid, last_ip, version, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    updateNode: s('UPDATE nodes SET hostname = ?, state = ?, serial = ?, uuid = ?, last_ip = ?, version = ?, updated_at = ?, doc = ? WHERE id = ? AND version = ?'),
    deleteNode: s('DELETE FROM nodes WHERE id = ? AND version = ?'),
    deleteMacs: s('DELETE FROM node_macs WHERE node_id = ?'),
    insertMac: s('INSERT INTO node_macs (mac, node_id) VALUES (?, ?)'),
    insertEvent: s('INSERT INTO events (node_id, at, kind, data, instance) VALUES (?, ?, ?, ?, ?)'),
    moveEvents: s('UPDATE events SET node_id = ? WHERE node_id = ?'),
  };
}
