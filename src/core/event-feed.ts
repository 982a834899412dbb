// The event feed (DESIGN §11): the store is the source of truth. A notifier
// only says "new events may exist" (the store calls it after each commit; a
// PostgreSQL store would also call it on LISTEN/NOTIFY from other instances),
// and every follower reads the store from the last id it delivered, so a
// missed or merged wake-up loses nothing and nothing is read twice.
import type { EventQuery, Store, StoredEvent } from '../store/store.js';

/** Which events a follower wants; every given field must match. */
export type EventFilter = Pick<EventQuery, 'nodeId' | 'kinds' | 'label'>;

/** Wakes followers when new events may exist. */
export interface EventNotifier {
  notify(): void;
  subscribe(listener: () => void): () => void;
}

/** A notifier that coalesces a burst of notifications into one wake-up per turn of the event loop. */
export function createEventNotifier(): EventNotifier {
  const listeners = new Set<() => void>();
  let scheduled = false;
  const fire = () => {
    scheduled = false;
    for (const l of [...listeners]) l();
  };
  return {
    notify() {
      if (scheduled) return;
      scheduled = true;
      setImmediate(fire);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** One follower of the event log. */
export interface Follower {
  /** The id of the last event delivered. */
  readonly lastId: number;
  /** Reads the store now, as if notified. */
  wake(): void;
  stop(): void;
}

/** How a follower reads and hands on events. */
export interface FollowOptions {
  filter: EventFilter;
  afterId: number;
  pageSize?: number;
  /** Gets each page in id order; the next page is read only once this resolves (backpressure). */
  deliver(batch: StoredEvent[]): void | Promise<void>;
  /** A read or delivery failed; the follower tries again at its next wake-up. */
  onError(err: unknown): void;
}

/** Follows the store's events after `afterId`, holding at most one page in memory. */
export function followEvents(deps: { store: Store; notifier: EventNotifier }, opts: FollowOptions): Follower {
  const pageSize = opts.pageSize ?? 200;
  let lastId = opts.afterId;
  let running = false;
  let again = false;
  let stopped = false;

  const drain = async () => {
    for (;;) {
      const batch = await deps.store.listAllEvents({ ...opts.filter, afterId: lastId, limit: pageSize });
      if (stopped || batch.length === 0) return;
      await opts.deliver(batch);
      lastId = batch[batch.length - 1]!.id;
      if (batch.length < pageSize) return;
    }
  };
  const pump = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      do {
        again = false;
        await drain();
      } while (again && !stopped);
    } catch (err) {
      if (!stopped) opts.onError(err);
    } finally {
      running = false;
    }
  };

  const unsubscribe = deps.notifier.subscribe(() => void pump());
  void pump();
  return {
    get lastId() {
      return lastId;
    },
    wake: () => void pump(),
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}

/** The id of the newest event in the store (0 when there is none): where a follower "from now" starts. */
export async function headEventId(store: Store): Promise<number> {
  return (await store.listAllEvents({ newest: true, limit: 1 }))[0]?.id ?? 0;
}
