// Row-level writes of nodes and events on PostgreSQL, shared by the store
// (postgres.ts) and its import (postgres-archive.ts).
import { NotFoundError, VersionMismatchError } from '../errors.js';
import type { Node } from '../domain/node.js';
import type { Query } from './postgres-db.js';
import type { NewEvent } from './store.js';

/** The columns after `id` and `created_at` of a node row. */
export const nodeValues = (n: Node) => [n.hostname, n.state, n.identity.serial, n.identity.uuid, n.lastIp, n.version, n.updatedAt, JSON.stringify(n)];

/** Inserts `events` for `nodeId` in order, stamped with `instance`. */
export async function insertEvents(q: Query, nodeId: string, events: NewEvent[], at: string, instance: string | null): Promise<void> {
  if (events.length === 0) return;
  await q(
    `INSERT INTO events (node_id, at, kind, data, instance)
     SELECT $1, $2, t.kind, t.data::json, $5 FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(kind, data, ord) ORDER BY t.ord`,
    [nodeId, at, events.map((e) => e.kind), events.map((e) => JSON.stringify(e.data ?? {})), instance],
  );
}

/** Replaces the MAC rows of a node with its identity's MACs. */
export async function writeMacs(q: Query, node: Node): Promise<void> {
  await q('DELETE FROM node_macs WHERE node_id = $1', [node.id]);
  if (node.identity.macs.length) await q('INSERT INTO node_macs (mac, node_id) SELECT unnest($1::text[]), $2', [node.identity.macs, node.id]);
}

/** Throws why a compare-and-set on node `id` matched no row: NotFoundError or VersionMismatchError. */
export async function mismatch(q: Query, id: string, expected: number): Promise<never> {
  const [cur] = await q<{ version: number }>('SELECT version FROM nodes WHERE id = $1', [id]);
  if (!cur) throw new NotFoundError(`node ${id}: not found`);
  throw new VersionMismatchError(cur.version, expected);
}

/** Stores `node` if its row is still at `expected` (else throws, see mismatch). */
export async function cas(q: Query, node: Node, expected: number): Promise<void> {
  const done = await q('UPDATE nodes SET hostname = $1, state = $2, serial = $3, uuid = $4, last_ip = $5, version = $6, updated_at = $7, doc = $8 WHERE id = $9 AND version = $10 RETURNING 1', [...nodeValues(node), node.id, expected]);
  if (done.length !== 1) await mismatch(q, node.id, expected);
}
