// One webhook receiver across instances: only the instance holding the
// store's lock `webhook:<url>` delivers to it (a follower of the event log
// feeding its queue, delivery.ts), so several bootherds on one PostgreSQL
// send each event once. The others stand by, trying for the lock every
// `takeoverMs`; an owner that stops or dies ends its lock (with its process
// or database session) and one of them takes over, following from the head
// it saw at its previous try: events of that gap are sent, a few perhaps
// twice (X-Bootherd-Delivery carries the event id, for receivers to drop
// repeats). The dead owner's queue was in memory: what it still held from
// before that is lost, as on a restart. An owner that loses its lock (its
// session broke) drops its queue and stands by; if it takes the lock again it
// resumes from the oldest event it had not delivered.
import type { Logger } from '../log.js';
import { followEvents, headEventId, type EventNotifier } from '../core/event-feed.js';
import type { Lease, Store, StoredEvent } from '../store/store.js';
import { createWebhookQueue, type WebhookConfig, type WebhookCounters, type WebhookQueue } from './delivery.js';

/** What a receiver needs. */
export interface ReceiverDeps {
  store: Store;
  notifier: EventNotifier;
  logger: Logger;
  label: string;
  counters: WebhookCounters;
  userAgent: string;
  /** Renders the body of one event. */
  body(e: StoredEvent): Promise<string>;
  /** How often a standing-by instance tries to take over delivery. */
  takeoverMs: number;
}

/** A receiver: `start` resolves once this instance first tried for delivery (events from then on are sent by someone). */
export interface WebhookReceiver {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Events waiting here (0 when another instance delivers). */
  size(): number;
  /** True while this instance delivers to the receiver. */
  owner(): boolean;
}

/** Creates one receiver's delivery, taken by one instance at a time. */
export function createWebhookReceiver(hook: WebhookConfig, deps: ReceiverDeps): WebhookReceiver {
  const kinds = hook.events.includes('*') ? undefined : hook.events;
  let stopped = false;
  let queue: WebhookQueue | null = null;
  let endTerm: (() => void) | null = null;
  let nap: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  let resumeAfter: number | null = null;
  let loop: Promise<void> = Promise.resolve();
  // Resolved once the first try knows who delivers (this instance following from the head, or another).
  let tried: () => void = () => undefined;

  // Delivers from `afterId` until stopped or the lock is lost; answers where a next term should resume.
  async function deliverWhileOwner(lease: Lease, afterId: number): Promise<number> {
    const q = createWebhookQueue(hook, { label: deps.label, logger: deps.logger, counters: deps.counters, userAgent: deps.userAgent });
    queue = q;
    const follower = followEvents(deps, {
      filter: { kinds },
      afterId,
      deliver: async (batch) => {
        for (const e of batch) q.push({ eventId: e.id, kind: e.kind, body: await deps.body(e) });
      },
      onError: (err) => deps.logger.warn('webhooks: reading events failed; retrying at the next event', { webhook: deps.label, err }),
    });
    deps.logger.info('webhooks: this instance delivers', { webhook: deps.label, after: afterId });
    tried();
    await new Promise<void>((resolve) => {
      endTerm = resolve;
      lease.signal.addEventListener('abort', () => resolve(), { once: true });
      if (stopped) resolve();
    });
    follower.stop();
    const pending = q.pendingFrom();
    q.stop();
    queue = null;
    if (!stopped) deps.logger.warn('webhooks: lost delivery (the store lock went with its connection); waiting events dropped', { webhook: deps.label, dropped: pending === null ? 0 : 'some' });
    return pending === null ? follower.lastId : pending - 1;
  }

  // One try for the lock; the head seen now is where a takeover at the next try starts.
  async function attempt(): Promise<void> {
    try {
      const head = await headEventId(deps.store);
      const from = resumeAfter ?? head;
      const ended = await deps.store.withLock(`webhook:${hook.url}`, (lease) => deliverWhileOwner(lease, from), { wait: false });
      resumeAfter = ended ?? head;
    } catch (err) {
      deps.logger.warn('webhooks: could not take or keep delivery; trying again', { webhook: deps.label, err });
    }
    tried();
  }

  const sleep = () => new Promise<void>((resolve) => {
    const wake = () => ((nap = null), resolve());
    nap = { timer: setTimeout(wake, deps.takeoverMs), wake };
    nap.timer.unref();
  });

  return {
    async start() {
      const first = new Promise<void>((resolve) => (tried = resolve));
      loop = (async () => {
        while (!stopped) {
          await attempt();
          if (!stopped) await sleep();
        }
      })();
      await first;
    },
    async stop() {
      stopped = true;
      endTerm?.();
      if (nap) (clearTimeout(nap.timer), nap.wake());
      await loop;
    },
    size: () => queue?.size() ?? 0,
    owner: () => queue !== null,
  };
}
