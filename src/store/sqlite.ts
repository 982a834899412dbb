// The embedded Store: one SQLite file in the data dir (DESIGN §6).
import { NotFoundError, VersionMismatchError } from '../errors.js';
import type { Image, ImageInput } from '../domain/images.js';
import type { Node } from '../domain/node.js';
import type { Rule, RuleInput } from '../domain/rules.js';
import type { ArchivableStore } from './archive.js';
import { createSqliteArchive } from './sqlite-archive.js';
import { guard, nodeColumns, openDatabase, type Db } from './sqlite-db.js';
import type { NewEvent, NodeFilter, NodeKey, Store, StoreOptions, StoredEvent } from './store.js';

type Row = { doc: string };

/** Opens the SQLite store at `file` (`:memory:` for tests). */
export function createSqliteStore(file: string, opts: StoreOptions = {}): ArchivableStore {
  const db = openDatabase(file, { migrate: opts.migrate });
  const q = prepare(db);
  const instance = opts.instance ?? null;
  const parse = (r: Row | undefined): Node | null => (r ? (JSON.parse(r.doc) as Node) : null);

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
      return guard('list nodes', () => listNodes(db, f).map((r) => JSON.parse(r.doc) as Node));
    },
    async countNodesByState() {
      return guard('count nodes', () => Object.fromEntries((q.countByState.all() as Array<{ state: string; n: number }>).map((r) => [r.state, r.n])));
    },
    async createNode(node, events, at) {
      return guard('create node', () => db.transaction(() => {
        q.insertNode.run(node.id, node.createdAt, ...cols(node));
        writeMacs(node);
        insertEvents(node.id, events, at);
        return node;
      })());
    },
    async updateNode(node, expected, events, at) {
      return guard('update node', () => db.transaction(() => {
        cas(node, expected);
        writeMacs(node);
        insertEvents(node.id, events, at);
        return node;
      })());
    },
    async mergeNodes(survivor, survivorExpected, absorbedId, absorbedExpected, events, at) {
      return guard('merge nodes', () => db.transaction(() => {
        const gone = q.deleteNode.run(absorbedId, absorbedExpected);
        if (gone.changes !== 1) {
          const cur = q.versionOf.get(absorbedId) as { version: number } | undefined;
          if (!cur) throw new NotFoundError(`node ${absorbedId}: not found`);
          throw new VersionMismatchError(cur.version, absorbedExpected);
        }
        q.moveEvents.run(survivor.id, absorbedId);
        cas(survivor, survivorExpected);
        writeMacs(survivor);
        insertEvents(survivor.id, events, at);
        return survivor;
      })());
    },
    async appendEvents(nodeId, events, at) {
      guard('append events', () => db.transaction(() => insertEvents(nodeId, events, at))());
    },
    async listEvents(nodeId, opts = {}) {
      return guard('list events', () =>
        (q.listEvents.all(nodeId, opts.afterId ?? 0, Math.min(opts.limit ?? 500, 5000)) as Array<Omit<StoredEvent, 'data'> & { data: string }>).map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> })),
      );
    },
    ...ruleAndImageMethods(db),
    archive: createSqliteArchive(db),
    async close() {
      db.close();
    },
  };
  return store;
}

function listNodes(db: Db, f: NodeFilter): Row[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.state) (where.push('state = ?'), args.push(f.state));
  if (f.serial) (where.push('serial = ?'), args.push(f.serial));
  if (f.mac) (where.push('id IN (SELECT node_id FROM node_macs WHERE mac = ?)'), args.push(f.mac));
  if (f.label) (where.push("json_extract(doc, '$.labels.' || json_quote(?)) = ?"), args.push(f.label.key, f.label.value));
  const sql = `SELECT doc FROM nodes ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at, id LIMIT ? OFFSET ?`;
  return db.prepare(sql).all(...args, f.limit ?? -1, f.offset ?? 0) as Row[];
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
    listEvents: s('SELECT id, node_id AS nodeId, at, kind, data, instance FROM events WHERE node_id = ? AND id > ? ORDER BY id LIMIT ?'),
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
