// The event listener of a PostgreSQL store: one dedicated connection that
// LISTENs on the events channel (the events trigger NOTIFYs it at every commit
// that inserted events, with the writing store's token) and wakes this
// instance's event feed for events other instances wrote. It reconnects by
// itself after the database restarts or the connection drops, and wakes the
// feed once reconnected, since notifications sent meanwhile are lost; the
// feed reads the store from its last id, so nothing is missed.
import pg from 'pg';
import type { Logger } from '../log.js';
import { connectionConfig, type PgDbOptions } from './postgres-db.js';
import { eventChannel } from './postgres-migrations.js';

/** A running listener. */
export interface EventListener {
  /** Resolves once the first connection attempt ended, listening or not (a failed one is retried). */
  started: Promise<void>;
  /** Resolves once the listener is connected and listening (again, after a loss). */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

const firstRetryMs = 250;
const maxRetryMs = 10_000;

/** Listens for other instances' events on `url`; `wake` runs for each of their commits (and after every reconnect). */
export function listenForEvents(url: string, opts: PgDbOptions & { writer: string; wake: () => void; logger?: Logger }): EventListener {
  let client: pg.Client | null = null;
  let stopped = false;
  let retryMs = firstRetryMs;
  let timer: NodeJS.Timeout | undefined;
  const waiters: Array<() => void> = [];
  let connected = false;
  let attempts = 0;

  const onNotification = (m: pg.Notification) => {
    if (m.channel === eventChannel && m.payload !== opts.writer) opts.wake();
  };

  const lost = (c: pg.Client, why: string) => {
    if (client !== c) return;
    client = null;
    connected = false;
    c.removeAllListeners('notification');
    c.end().catch(() => undefined);
    if (stopped) return;
    opts.logger?.warn('store: event listener connection lost; reconnecting', { why, retryInMs: retryMs });
    schedule();
  };

  const schedule = () => {
    timer = setTimeout(() => void connect(), retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  };

  async function connect(): Promise<void> {
    const first = attempts++ === 0;
    const c = new pg.Client(connectionConfig(url, opts, 'events'));
    client = c;
    c.on('error', (err) => lost(c, err.message));
    c.on('end', () => lost(c, 'connection ended'));
    c.on('notification', onNotification);
    try {
      await c.connect();
      await c.query(`LISTEN ${eventChannel}`);
    } catch (err) {
      return lost(c, (err as Error).message);
    }
    if (client !== c || stopped) return;
    connected = true;
    retryMs = firstRetryMs;
    // Whatever was notified while nobody listened (not at the first try: the store opens with it, before anything follows): the feed reads from its last id.
    if (!first) {
      opts.logger?.info('store: event listener connected');
      opts.wake();
    }
    for (const w of waiters.splice(0)) w();
  }

  const started = connect();
  return {
    started,
    ready: () => (connected ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const c = client;
      client = null;
      connected = false;
      for (const w of waiters.splice(0)) w();
      await c?.end().catch(() => undefined);
    },
  };
}
