// Row-level writes of nodes and events on PostgreSQL, shared by the store
// (postgres.ts) and its import (postgres-archive.ts).
import { NotFoundError, VersionMismatchError } from '../errors.js';
import type { Node } from '../domain/node.js';
import type { Query } from './postgres-db.js';
import type { NewEvent } from './store.js';

/** The columns after `id` and `created_at` of a node row. */
export const nodeValues = (n: Node) => [n.hostname, n.state, n.identity.serial, n.identity.uuid, n.lastIp, n.version, n.updatedAt, JSON.stringify(n)];

/**
 * Inserts `events` for `nodeId` in order, stamped with `instance`. The
 * events trigger takes the event-order lock here, held to COMMIT: call it
 * last in a transaction, after every row the transaction locks, so writers
 * always take locks in one order (rows, then events) and never deadlock.
 */
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

/** Inserts a node and its MACs in one statement (atomic on its own: one round trip). */
export async function insertNode(q: Query, node: Node): Promise<void> {
  await q(
    `WITH n AS (INSERT INTO nodes (id, created_at, hostname, state, serial, uuid, last_ip, version, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id)
     INSERT INTO node_macs (mac, node_id) SELECT m, n.id FROM n, unnest($11::text[]) AS m`,
    [node.id, node.createdAt, ...nodeValues(node), node.identity.macs],
  );
}

/**
 * Compare-and-set in one statement: stores `node` if its row is at
 * `expected` and brings its MAC rows in line; both happen or neither does.
 * Throws NotFoundError or VersionMismatchError otherwise.
 */
export async function updateNodeRow(q: Query, node: Node, expected: number): Promise<void> {
  const [r] = await q<{ n: number }>(
    `WITH u AS (UPDATE nodes SET hostname = $1, state = $2, serial = $3, uuid = $4, last_ip = $5, version = $6, updated_at = $7, doc = $8 WHERE id = $9 AND version = $10 RETURNING id),
     gone AS (DELETE FROM node_macs WHERE node_id IN (SELECT id FROM u) AND mac <> ALL ($11::text[])),
     macs AS (INSERT INTO node_macs (mac, node_id) SELECT m, u.id FROM u, unnest($11::text[]) AS m
              WHERE NOT EXISTS (SELECT 1 FROM node_macs x WHERE x.mac = m AND x.node_id = u.id))
     SELECT count(*)::int AS n FROM u`,
    [...nodeValues(node), node.id, expected, node.identity.macs],
  );
  if (r?.n !== 1) await mismatch(q, node.id, expected);
}
