// Webhooks (DESIGN §11): a follower of the store's event log from the moment
// bootherd starts, handing each event to the queue of every receiver that
// wants its kind. Queues are in memory: events that are still waiting when
// bootherd stops are not delivered after a restart.
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { followEvents, headEventId, type EventNotifier, type Follower } from '../core/event-feed.js';
import type { Store, StoredEvent } from '../store/store.js';
import { createWebhookQueue, webhookLabel, type WebhookConfig, type WebhookQueue } from './delivery.js';

/** What the webhooks need. */
export interface WebhookDeps {
  store: Store;
  notifier: EventNotifier;
  hooks: WebhookConfig[];
  logger: Logger;
  metrics: Metrics;
  version: string;
}

/** The JSON body a receiver gets: the stored event and the node's name and state now. */
export async function webhookBody(store: Store, e: StoredEvent): Promise<string> {
  const node = await store.getNode(e.nodeId);
  return JSON.stringify({ ...e, node: node ? { id: node.id, hostname: node.hostname, state: node.state, labels: node.labels } : null });
}

/** Creates the webhook sender: `start` follows events from now on, `stop` drops what is waiting. */
export function createWebhooks(deps: WebhookDeps): { start(): Promise<void>; stop(): Promise<void> } {
  const m = deps.metrics;
  const counters = {
    delivered: m.counter('bootherd_webhook_deliveries_total', 'Webhook events delivered (2xx)'),
    gaveUp: m.counter('bootherd_webhook_failures_total', 'Webhook events given up after their last attempt'),
    attemptFailures: m.counter('bootherd_webhook_attempt_failures_total', 'Failed webhook POSTs, by reason'),
    dropped: m.counter('bootherd_webhook_dropped_total', 'Webhook events dropped from a full queue'),
  };
  const queues: Array<{ hook: WebhookConfig; label: string; queue: WebhookQueue }> = deps.hooks.map((hook, i) => {
    const label = webhookLabel(i, hook.url);
    return { hook, label, queue: createWebhookQueue(hook, { label, logger: deps.logger, counters, userAgent: `bootherd/${deps.version}` }) };
  });
  m.gauge('bootherd_webhook_queue', 'Webhook events waiting per receiver', () => queues.map((q) => ({ labels: { webhook: q.label }, value: q.queue.size() })));
  const wants = (hook: WebhookConfig, kind: string) => hook.events.includes('*') || hook.events.includes(kind);
  const anyKind = deps.hooks.some((h) => h.events.includes('*'));
  let follower: Follower | null = null;

  async function deliver(batch: StoredEvent[]): Promise<void> {
    for (const e of batch) {
      const targets = queues.filter((q) => wants(q.hook, e.kind));
      if (targets.length === 0) continue;
      const body = await webhookBody(deps.store, e);
      for (const t of targets) t.queue.push({ eventId: e.id, kind: e.kind, body });
    }
  }

  return {
    async start() {
      if (queues.length === 0) return;
      const kinds = anyKind ? undefined : [...new Set(deps.hooks.flatMap((h) => h.events))];
      follower = followEvents(deps, { filter: { kinds }, afterId: await headEventId(deps.store), deliver, onError: (err) => deps.logger.warn('webhooks: reading events failed; retrying at the next event', { err }) });
      deps.logger.info('webhooks: delivering events', { receivers: queues.map((q) => q.label) });
    },
    async stop() {
      follower?.stop();
      for (const q of queues) q.queue.stop();
    },
  };
}
