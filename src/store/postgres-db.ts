// The PostgreSQL connection layer: a pool, transactions, advisory locks, and
// the translation of PostgreSQL's errors into the AppError family (they never
// leave the store). Losing the database is StoreUnavailableError: the request
// fails whole (its transaction rolls back) and later ones succeed once the
// database is back, because the pool drops broken connections and dials anew.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { AppError, ConflictError, StoreError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Lease, LockOptions } from './store.js';

/** Runs one statement and answers its rows. */
export type Query = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/** A PostgreSQL database as the store uses it. */
export interface PgDb {
  /** One statement outside a transaction. */
  query<R = Record<string, unknown>>(what: string, sql: string, params?: unknown[]): Promise<R[]>;
  /** `fn` in one transaction: COMMIT if it resolves, ROLLBACK if anything throws. */
  tx<T>(what: string, fn: (q: Query) => Promise<T>): Promise<T>;
  /** `fn` on one connection of its own (a session), e.g. for session-level locks. */
  session<T>(what: string, fn: (q: Query) => Promise<T>): Promise<T>;
  /** A connection held until `release()`, for work that spans yields (a streamed export). */
  connect(what: string): Promise<{ q: Query; release(): void }>;
  /**
   * `fn` while this instance holds the advisory lock named `key` (a lock
   * shared by every instance on the database). With `wait: false` it answers
   * null at once when another session holds it. `fn` gets the locking
   * session's query function and a lease whose signal aborts when that
   * session is lost (the lock with it). The lock ends with the connection, so
   * a crashed instance never keeps it.
   */
  withAdvisoryLock<T>(key: string, fn: (q: Query, lease: Lease) => Promise<T>, opts?: LockOptions): Promise<T | null>;
  close(): Promise<void>;
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** The 64-bit advisory lock id of a lock name. */
export function advisoryKey(key: string): string {
  return createHash('sha256').update(`bootherd:${key}`).digest().readBigInt64BE(0).toString();
}

const uniqueConstraints: Record<string, string> = {
  nodes_hostname_key: 'hostname is already used by another node',
  nodes_serial_key: 'serial is already claimed by another node',
  nodes_uuid_key: 'uuid is already claimed by another node',
  nodes_pkey: 'a node with this id exists',
  node_macs_pkey: 'a MAC address is already claimed by another node',
  rules_name_key: 'a rule with this name exists',
  rules_pkey: 'a rule with this id exists',
  images_pkey: 'an image with this name exists',
  events_pkey: 'an event with this id exists',
};

const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOENT']);
// SQLSTATEs that mean "the database is not serving right now": shutdown, startup, too many connections, lock/deadlock retries.
const transientStates = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '55P03']);
const lostConnection = /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|not queryable|ended unexpectedly/i;

/** Translates a PostgreSQL or socket error raised while doing `what`; AppErrors pass through. */
export function translate(what: string, err: unknown): Error {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; constraint?: string; message?: string };
  const code = e.code ?? '';
  if (code === '23505') return new ConflictError(`${what}: ${uniqueConstraints[e.constraint ?? ''] ?? 'already exists'}`, 'duplicate');
  if (socketCodes.has(code) || code.startsWith('08') || transientStates.has(code) || lostConnection.test(e.message ?? '')) {
    const why = code || (e.message ?? 'connection lost');
    return new StoreUnavailableError(`store unavailable: ${what}: the database cannot be reached (${why}); nothing was changed, try again once it is back`, { cause: err });
  }
  return new StoreError(`store: ${what} failed: ${code || 'error'}: ${e.message ?? String(err)}`, { cause: err });
}

/** How a pool is opened: its size, the instance (in application_name) and the writer token the events trigger sends (letters and digits). */
export interface PgDbOptions {
  poolSize?: number;
  instance?: string | null;
  writer?: string;
  logger?: Logger;
}

/** The pool's connection settings, shared with the event listener's own connection. */
export function connectionConfig(url: string, opts: PgDbOptions, role = ''): pg.ClientConfig {
  const name = `bootherd${opts.instance ? ` ${opts.instance}` : ''}${role ? ` ${role}` : ''}`.slice(0, 63);
  return { connectionString: url, connectionTimeoutMillis: 5000, keepAlive: true, application_name: name, ...(opts.writer ? { options: `-c bootherd.writer=${opts.writer}` } : {}) };
}

// How often a held lock's session is checked, and how long the check may take, so a silently dead connection ends the lease.
const leaseCheckMs = 5000;

/** Opens a pool on `url` (nothing is dialled until the first query). */
export function createPgDb(url: string, opts: PgDbOptions = {}): PgDb {
  const pool = new pg.Pool({ ...connectionConfig(url, opts), max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  let closed = false;
  // An idle connection that the server drops (restart, failover) is reported here; the pool discards it.
  pool.on('error', (err) => opts.logger?.warn('store: idle database connection lost', { err: err.message }));

  async function withClient<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw translate(what, err);
    }
    let broken: Error | undefined;
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      const t = translate(what, err);
      if (t instanceof StoreUnavailableError) broken ??= t;
      throw t;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  const queryOn = (client: pg.PoolClient): Query => async <R>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as R[];

  const db: PgDb = {
    async query<R>(what: string, sql: string, params: unknown[] = []) {
      try {
        return (await pool.query(sql, params)).rows as R[];
      } catch (err) {
        throw translate(what, err);
      }
    },
    tx: (what, fn) => withClient(what, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(queryOn(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }),
    session: (what, fn) => withClient(what, (client) => fn(queryOn(client))),
    async connect(what) {
      const client = await pool.connect().catch((err: unknown) => Promise.reject(translate(what, err)));
      let broken: Error | undefined;
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      const q: Query = <R>(sql: string, params?: unknown[]) => queryOn(client)<R>(sql, params).catch((err: unknown) => {
        const t = translate(what, err);
        if (t instanceof StoreUnavailableError) broken ??= t;
        throw t;
      });
      return { q, release: () => (client.off('error', onError), client.release(broken)) };
    },
    withAdvisoryLock: (key, fn, o = {}) => withClient(`lock ${key}`, async (client) => {
      const id = advisoryKey(key);
      if (o.wait === false) {
        const got = (await client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [id])).rows[0] as { ok: boolean };
        if (!got.ok) return null;
      } else await client.query('SELECT pg_advisory_lock($1::bigint)', [id]);
      const lease = watchSession(client);
      try {
        return await fn(queryOn(client), lease);
      } finally {
        lease.end();
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [id]).catch(() => undefined);
      }
    }),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  return db;
}

// A lease on `client`'s session: aborted when the connection reports an error
// or ends, or a periodic check fails or hangs (a dead peer sends nothing).
function watchSession(client: pg.PoolClient): Lease & { end(): void } {
  const ac = new AbortController();
  const lost = () => ac.abort(new StoreUnavailableError('store unavailable: the database session holding a lock was lost'));
  client.on('error', lost);
  client.on('end', lost);
  const timer = setInterval(() => {
    const hung = setTimeout(lost, leaseCheckMs * 2);
    hung.unref();
    client.query('SELECT 1').then(() => clearTimeout(hung), (err: unknown) => {
      clearTimeout(hung);
      if (translate('lock check', err) instanceof StoreUnavailableError) lost();
    });
  }, leaseCheckMs);
  timer.unref();
  return {
    signal: ac.signal,
    end() {
      clearInterval(timer);
      client.off('error', lost);
      client.off('end', lost);
    },
  };
}
