// The embedded Store: one SQLite file in the data dir (DESIGN §6).
import type Database from 'better-sqlite3';
import { NotFoundError, VersionMismatchError } from '../errors.js';
import type { Image, ImageInput } from '../domain/images.js';
import type { Node } from '../domain/node.js';
import type { Rule, RuleInput } from '../domain/rules.js';
import { guard, openDatabase, type Db } from './sqlite-db.js';
import type { EventQuery, NewEvent, NodeFilter, NodeKey, Store, StoredEvent } from './store.js';

type Row = { doc: string };
type EventRow = Omit<StoredEvent, 'data'> & { data: string };

/** Store options. */
export interface SqliteStoreOptions {
  /** Called after every commit that appended events ("new events may exist"). */
  onEvents?: () => void;
}

/** Opens the SQLite store at `file` (`:memory:` for tests). */
export function createSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  const db = openDatabase(file);
  const announce = <T>(events: NewEvent[], result: T): T => {
    if (events.length) opts.onEvents?.();
    return result;
  };
  const q = prepare(db);
  const prepared = statementCache(db);
  const parse = (r: Row | undefined): Node | null => (r ? (JSON.parse(r.doc) as Node) : null);

  const insertEvents = (nodeId: string, events: NewEvent[], at: string) => {
    for (const e of events) q.insertEvent.run(nodeId, at, e.kind, JSON.stringify(e.data ?? {}));
  };
  const writeMacs = (node: Node) => {
    q.deleteMacs.run(node.id);
    for (const mac of node.identity.macs) q.insertMac.run(mac, node.id);
  };
  const cols = (n: Node) => [n.hostname, n.state, n.identity.serial, n.identity.uuid, n.lastIp, n.version, n.updatedAt, JSON.stringify(n)] as const;
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

  const store: Store = {
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
      return guard('list nodes', () => listNodes(db, f).map((r) => JSON.parse(r.doc) as Node));
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
        const sql = `SELECT id, node_id AS nodeId, at, kind, data FROM events WHERE node_id = ? AND id > ? AND id < ?${kinds.length ? ` AND kind IN (${kinds.map(() => '?').join(',')})` : ''} ORDER BY id ${opts.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`;
        const rows = prepared(sql).all(nodeId, opts.afterId ?? 0, opts.beforeId ?? Number.MAX_SAFE_INTEGER, ...kinds, Math.min(opts.limit ?? 500, 5000)) as EventRow[];
        return rows.map(parseEvent);
      });
    },
    async listAllEvents(query) {
      return guard('list all events', () => listAllEvents(prepared, query).map(parseEvent));
    },
    ...ruleAndImageMethods(db),
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
  const sql = `SELECT id, node_id AS nodeId, at, kind, data FROM events WHERE ${where.join(' AND ')} ORDER BY id ${q.newest ? 'DESC' : ''} LIMIT ?`;
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
    insertEvent: s('INSERT INTO events (node_id, at, kind, data) VALUES (?, ?, ?, ?)'),
    moveEvents: s('UPDATE events SET node_id = ? WHERE node_id = ?'),
  };
}

function ruleAndImageMethods(db: Db): Pick<Store, 'listRules' | 'getRule' | 'createRule' | 'updateRule' | 'deleteRule' | 'takeRuleSequence' | 'listImages' | 'getImage' | 'putImage' | 'deleteImage'> {
  const toRule = (r: { id: string; sequence: number; created_at: string; doc: string }): Rule => ({ ...(JSON.parse(r.doc) as RuleInput), id: r.id, sequence: r.sequence, createdAt: r.created_at });
  const getRule = db.prepare('SELECT * FROM rules WHERE id = ?');
  const mustChange = (changes: number, what: string) => {
    if (changes !== 1) throw new NotFoundError(`${what}: not found`);
  };
  return {
    async listRules() {
      return guard('list rules', () => (db.prepare('SELECT * FROM rules ORDER BY priority, name').all() as Parameters<typeof toRule>[0][]).map(toRule));
    },
    async getRule(id) {
      return guard('get rule', () => {
        const r = getRule.get(id) as Parameters<typeof toRule>[0] | undefined;
        return r ? toRule(r) : null;
      });
    },
    async createRule(id, input, at) {
      return guard('create rule', () => {
        db.prepare('INSERT INTO rules (id, name, priority, sequence, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)').run(id, input.name, input.priority, input.apply.sequenceStart, at, JSON.stringify(input));
        return toRule(getRule.get(id) as Parameters<typeof toRule>[0]);
      });
    },
    async updateRule(id, input) {
      return guard('update rule', () => {
        mustChange(db.prepare('UPDATE rules SET name = ?, priority = ?, doc = ? WHERE id = ?').run(input.name, input.priority, JSON.stringify(input), id).changes, `rule ${id}`);
        return toRule(getRule.get(id) as Parameters<typeof toRule>[0]);
      });
    },
    async deleteRule(id) {
      guard('delete rule', () => mustChange(db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes, `rule ${id}`));
    },
    async takeRuleSequence(id) {
      return guard('take rule sequence', () => {
        const r = db.prepare('UPDATE rules SET sequence = sequence + 1 WHERE id = ? RETURNING sequence - 1 AS seq').get(id) as { seq: number } | undefined;
        if (!r) throw new NotFoundError(`rule ${id}: not found`);
        return r.seq;
      });
    },
    async listImages() {
      return guard('list images', () => (db.prepare('SELECT doc FROM images ORDER BY name').all() as Row[]).map((r) => JSON.parse(r.doc) as Image));
    },
    async getImage(name) {
      return guard('get image', () => {
        const r = db.prepare('SELECT doc FROM images WHERE name = ?').get(name) as Row | undefined;
        return r ? (JSON.parse(r.doc) as Image) : null;
      });
    },
    async putImage(name, input, at) {
      return guard('put image', () => {
        const old = db.prepare('SELECT created_at FROM images WHERE name = ?').get(name) as { created_at: string } | undefined;
        const image: Image = { ...input, name, createdAt: old?.created_at ?? at, updatedAt: at };
        db.prepare('INSERT INTO images (name, created_at, updated_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at, doc = excluded.doc').run(name, image.createdAt, at, JSON.stringify(image));
        return image;
      });
    },
    async deleteImage(name) {
      guard('delete image', () => mustChange(db.prepare('DELETE FROM images WHERE name = ?').run(name).changes, `image ${name}`));
    },
  };
}
