// Export and import of the SQLite store's rows, whole (see archive.ts).
import { ConflictError } from '../errors.js';
import type { Node } from '../domain/node.js';
import { isEmpty, noCounts, notEmpty, type ArchiveCounts, type ArchiveRecord, type StoreArchive } from './archive.js';
import { guard, nodeColumns, type Db } from './sqlite-db.js';

type Row = { k: number; doc: string };
const page = 500;

/** The archive side of the SQLite store on `db`. */
export function createSqliteArchive(db: Db): StoreArchive {
  const counts = (): ArchiveCounts => {
    const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { nodes: n('nodes'), events: n('events'), rules: n('rules'), images: n('images'), controllers: n('power_controllers') };
  };

  // Rows of `sql` (which takes `k > ?` and LIMIT ?) in pages, keyed by column k.
  function* paged<R extends { k: number }>(sql: string): Generator<R> {
    const stmt = db.prepare(sql);
    for (let after = -Infinity; ;) {
      const rows = guard('export', () => stmt.all(after, page) as R[]);
      yield* rows;
      if (rows.length < page) return;
      after = rows[rows.length - 1]!.k;
    }
  }

  async function* records(): AsyncGenerator<ArchiveRecord> {
    db.exec('BEGIN');
    try {
      for (const r of paged<Row>('SELECT rowid AS k, doc FROM nodes WHERE rowid > ? ORDER BY rowid LIMIT ?')) yield { type: 'node', node: JSON.parse(r.doc) as Node };
      type Ev = { k: number; node_id: string; at: string; kind: string; data: string; instance: string | null };
      for (const e of paged<Ev>('SELECT id AS k, node_id, at, kind, data, instance FROM events WHERE id > ? ORDER BY id LIMIT ?')) {
        yield { type: 'event', event: { id: e.k, nodeId: e.node_id, at: e.at, kind: e.kind, data: JSON.parse(e.data) as Record<string, unknown>, instance: e.instance } };
      }
      type RuleRow = Row & { id: string; sequence: number; created_at: string };
      for (const r of paged<RuleRow>('SELECT rowid AS k, id, sequence, created_at, doc FROM rules WHERE rowid > ? ORDER BY rowid LIMIT ?')) {
        yield { type: 'rule', rule: { ...JSON.parse(r.doc), id: r.id, sequence: r.sequence, createdAt: r.created_at } };
      }
      for (const r of paged<Row>('SELECT rowid AS k, doc FROM images WHERE rowid > ? ORDER BY rowid LIMIT ?')) yield { type: 'image', image: JSON.parse(r.doc) };
      type ControllerRow = Row & { name: string; driver: string; created_at: string; updated_at: string };
      for (const r of paged<ControllerRow>('SELECT rowid AS k, name, driver, created_at, updated_at, doc FROM power_controllers WHERE rowid > ? ORDER BY rowid LIMIT ?')) {
        yield { type: 'controller', controller: { name: r.name, driver: r.driver, params: JSON.parse(r.doc) as Record<string, unknown>, createdAt: r.created_at, updatedAt: r.updated_at } };
      }
    } finally {
      db.exec('COMMIT');
    }
  }

  function insert(r: ArchiveRecord): void {
    if (r.type === 'node') {
      const n = r.node;
      db.prepare('INSERT INTO nodes (id, created_at, hostname, state, serial, uuid, last_ip, version, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(n.id, n.createdAt, ...nodeColumns(n));
      for (const mac of n.identity.macs) db.prepare('INSERT INTO node_macs (mac, node_id) VALUES (?, ?)').run(mac, n.id);
    } else if (r.type === 'event') {
      const e = r.event;
      db.prepare('INSERT INTO events (id, node_id, at, kind, data, instance) VALUES (?, ?, ?, ?, ?, ?)').run(e.id, e.nodeId, e.at, e.kind, JSON.stringify(e.data), e.instance);
    } else if (r.type === 'rule') {
      const { id, sequence, createdAt, ...input } = r.rule;
      db.prepare('INSERT INTO rules (id, name, priority, sequence, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)').run(id, input.name, input.priority, sequence, createdAt, JSON.stringify(input));
    } else if (r.type === 'image') {
      const i = r.image;
      db.prepare('INSERT INTO images (name, created_at, updated_at, doc) VALUES (?, ?, ?, ?)').run(i.name, i.createdAt, i.updatedAt, JSON.stringify(i));
    } else {
      const c = r.controller;
      db.prepare('INSERT INTO power_controllers (name, driver, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?)').run(c.name, c.driver, c.createdAt, c.updatedAt, JSON.stringify(c.params));
    }
  }

  async function load(source: AsyncIterable<ArchiveRecord>): Promise<ArchiveCounts> {
    guard('import', () => db.exec('BEGIN IMMEDIATE'));
    try {
      const existing = guard('import', counts);
      if (!isEmpty(existing)) throw new ConflictError(notEmpty(existing), 'not-empty');
      const done = noCounts();
      for await (const r of source) {
        guard(`import ${r.type}`, () => insert(r));
        done[`${r.type}s`]++;
      }
      guard('import', () => db.exec('COMMIT'));
      return done;
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  return { counts: async () => guard('count', counts), records, load };
}
