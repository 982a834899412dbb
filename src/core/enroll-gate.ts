// Limits on zero-touch enrollment, the one path every unauthenticated boot
// request (TFTP, HTTP boot files, iPXE, proxyDHCP) takes to create a node:
// a token bucket per source address (in a table of bounded size, whatever
// sources a stranger spoofs), a cap on nodes that never reported, and the
// expiry of those after a time-to-live. A node that reported, or that an
// operator touched, is never pending, so never capped nor expired.
// Enrollments through one gate run one at a time, from the check to the
// stored node, so concurrent first requests never pass the cap together.
import { TooManyRequestsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter } from '../metrics.js';
import type { Store } from '../store/store.js';

/** The enrollment limits (config `enroll`). */
export interface EnrollSettings {
  /** New nodes one source address may create per minute (also the burst). */
  perSourcePerMinute: number;
  /** Nodes enrolled by boot requests that have never reported, at most. */
  maxPendingNodes: number;
  /** A pending node not seen for this long is deleted. */
  pendingTtlHours: number;
}

/** What the gate needs. */
export interface EnrollGateDeps {
  store: Store;
  now: () => Date;
  logger: Logger;
  settings: EnrollSettings;
  /** Counts refusals by reason (`rate`, `cap`) and expiries. */
  refused: Counter;
  expired: Counter;
  /** How many source addresses are tracked at most (default 4096). */
  maxSources?: number;
}

/** The gate findOrEnroll asks before creating a node. */
export interface EnrollGate {
  /** Resolves if `ip` may create a node now; TooManyRequestsError (`enroll-rate` or `enroll-cap`) otherwise. */
  admit(ip: string | null): Promise<void>;
  /** Runs `enroll` (which calls admit, then stores the node) once the enrollments queued before it have ended. */
  serially<T>(enroll: () => Promise<T>): Promise<T>;
  /** Deletes pending nodes not seen for the TTL; resolves to how many. */
  sweep(): Promise<number>;
  /** Sweeps now and periodically; returns the stop function. */
  start(): () => void;
  /** How many source addresses are tracked now (at most maxSources). */
  sources(): number;
}

const minuteMs = 60_000;

/** Creates the enrollment gate. */
export function createEnrollGate(deps: EnrollGateDeps): EnrollGate {
  const { perSourcePerMinute: rate, maxPendingNodes, pendingTtlHours } = deps.settings;
  const maxSources = deps.maxSources ?? 4096;
  // Least recently used first: a touched entry is re-inserted at the end.
  const buckets = new Map<string, { tokens: number; at: number }>();
  const lastWarned = new Map<string, number>();
  for (const reason of ['rate', 'cap']) deps.refused.inc({ reason }, 0);
  deps.expired.inc({}, 0);

  function take(source: string): boolean {
    const now = deps.now().getTime();
    const b = buckets.get(source) ?? { tokens: rate, at: now };
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) / minuteMs) * rate);
    b.at = now;
    buckets.delete(source);
    if (buckets.size >= maxSources) buckets.delete(buckets.keys().next().value!);
    buckets.set(source, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  function refuse(reason: 'rate' | 'cap', message: string, retryAfterSeconds: number, fields: Record<string, unknown>): never {
    deps.refused.inc({ reason });
    const now = deps.now().getTime();
    // One warning a minute per reason: a flood must not flood the log too.
    if (now - (lastWarned.get(reason) ?? -Infinity) >= minuteMs) {
      lastWarned.set(reason, now);
      deps.logger.warn('enrollment refused', { reason, ...fields });
    }
    throw new TooManyRequestsError(message, retryAfterSeconds, `enroll-${reason}`);
  }

  async function admit(ip: string | null): Promise<void> {
    if (!take(ip ?? 'unknown')) {
      refuse('rate', `enrollment refused: ${ip ?? 'this client'} created more than ${rate} new nodes in a minute (enroll.perSourcePerMinute); known nodes still boot; try again later`, 60, { ip });
    }
    const pending = await deps.store.countNodes({ state: 'new', pending: true });
    if (pending >= maxPendingNodes) {
      refuse('cap', `enrollment refused: ${pending} nodes enrolled by boot requests have never reported (enroll.maxPendingNodes is ${maxPendingNodes}); boot them into discovery, delete them, or wait ${pendingTtlHours} h for them to expire (enroll.pendingTtlHours)`, 300, { ip, pending });
    }
  }

  let last: Promise<unknown> = Promise.resolve();
  function serially<T>(enroll: () => Promise<T>): Promise<T> {
    const run = last.then(enroll);
    last = run.catch(() => undefined);
    return run;
  }

  async function sweep(): Promise<number> {
    const now = deps.now();
    const cutoff = now.getTime() - pendingTtlHours * 3_600_000;
    let n = 0;
    for (const node of await deps.store.listNodes({ state: 'new', pending: true })) {
      const seen = node.lastSeenAt ?? node.createdAt;
      if (Date.parse(seen) > cutoff) continue;
      const data = { identity: node.identity, createdAt: node.createdAt, lastSeenAt: seen, ttlHours: pendingTtlHours };
      try {
        await deps.store.deleteNode(node.id, node.version, [{ kind: 'expired', data }], now.toISOString());
        deps.expired.inc();
        n++;
      } catch (err) {
        deps.logger.debug('pending node not expired', { node: node.id, err });
      }
    }
    if (n) deps.logger.info('expired pending nodes', { count: n, ttlHours: pendingTtlHours });
    return n;
  }

  function start(): () => void {
    const run = () => void sweep().catch((err: unknown) => deps.logger.error('pending-node sweep failed', { err }));
    run();
    const timer = setInterval(run, Math.max(1000, Math.min(10 * minuteMs, (pendingTtlHours * 3_600_000) / 4)));
    timer.unref();
    return () => clearInterval(timer);
  }

  return { admit, serially, sweep, start, sources: () => buckets.size };
}
