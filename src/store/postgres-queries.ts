// The SQL of the PostgreSQL store's filtered reads: nodes by NodeFilter, a
// node's events by NodeEventQuery, every node's events by EventQuery. Each
// answers `{ sql, args }` with numbered parameters.
import type { EventQuery, NodeEventQuery, NodeFilter, StoredEvent } from './store.js';

type Built = { sql: string; args: unknown[] };

/** The columns of an event as StoredEvent has them (id as text: convert with eventOf). */
export const eventColumns = 'id, node_id AS "nodeId", at, kind, data, instance';
/** A stored event from its row (bigint ids come as text). */
export const eventOf = (r: Omit<StoredEvent, 'id'> & { id: string }): StoredEvent => ({ ...r, id: Number(r.id) });

const maxPage = 5000;
const pageOf = (limit: number | undefined) => Math.min(limit ?? 500, maxPage);

function builder() {
  const args: unknown[] = [];
  return { args, arg: (v: unknown) => (args.push(v), `$${args.length}`) };
}

function nodeWhere(f: NodeFilter, arg: (v: unknown) => string): string {
  const where: string[] = [];
  if (f.state) where.push(`state = ${arg(f.state)}`);
  if (f.serial) where.push(`serial = ${arg(f.serial)}`);
  if (f.mac) where.push(`id IN (SELECT node_id FROM node_macs WHERE mac = ${arg(f.mac)})`);
  if (f.label) where.push(`doc -> 'labels' ->> ${arg(f.label.key)} = ${arg(f.label.value)}`);
  // As the nodes_pending index has it; absent (older docs) counts as not pending.
  if (f.pending !== undefined) where.push(f.pending ? "doc ->> 'pending' = 'true'" : "coalesce(doc ->> 'pending', 'false') <> 'true'");
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** Nodes matching `f` in listing order (created_at, then id), paged. */
export function listNodesQuery(f: NodeFilter): Built {
  const b = builder();
  const where = nodeWhere(f, b.arg);
  return { sql: `SELECT doc FROM nodes ${where} ORDER BY created_at, id LIMIT ${b.arg(f.limit ?? null)} OFFSET ${b.arg(f.offset ?? 0)}`, args: b.args };
}

/** How many nodes match `f` (limit and offset ignored). */
export function countNodesQuery(f: NodeFilter): Built {
  const b = builder();
  return { sql: `SELECT count(*)::int AS n FROM nodes ${nodeWhere(f, b.arg)}`, args: b.args };
}

/** One node's events between the cursors, of some kinds, oldest or newest first. */
export function nodeEventsQuery(nodeId: string, q: NodeEventQuery): Built {
  const b = builder();
  const where = [`node_id = ${b.arg(nodeId)}`, `id > ${b.arg(q.afterId ?? 0)}`];
  if (q.beforeId !== undefined) where.push(`id < ${b.arg(q.beforeId)}`);
  if (q.kinds?.length) where.push(`kind = ANY (${b.arg(q.kinds)}::text[])`);
  return { sql: `SELECT ${eventColumns} FROM events WHERE ${where.join(' AND ')} ORDER BY id ${q.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ${b.arg(pageOf(q.limit))}`, args: b.args };
}

/** Every node's events after `afterId` (or the newest page, still answered oldest first: reverse the rows), filtered. */
export function allEventsQuery(q: EventQuery): Built {
  const b = builder();
  const where = [`id > ${b.arg(q.afterId ?? 0)}`];
  if (q.nodeId) where.push(`node_id = ${b.arg(q.nodeId)}`);
  if (q.kinds?.length) where.push(`kind = ANY (${b.arg(q.kinds)}::text[])`);
  if (q.label) where.push(`node_id IN (SELECT id FROM nodes WHERE doc -> 'labels' ->> ${b.arg(q.label.key)} = ${b.arg(q.label.value)})`);
  return { sql: `SELECT ${eventColumns} FROM events WHERE ${where.join(' AND ')} ORDER BY id ${q.newest ? 'DESC' : 'ASC'} LIMIT ${b.arg(pageOf(q.limit))}`, args: b.args };
}
