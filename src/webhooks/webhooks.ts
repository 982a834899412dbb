// Webhooks (DESIGN §11): for each receiver, a follower of the store's event
// log from the moment bootherd starts, handing each event of a kind it wants
// to its queue; with several instances on one store, one instance delivers to
// each receiver (receiver.ts). Queues are in memory: events that are still
// waiting when bootherd stops are not delivered after a restart.
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { EventNotifier } from '../core/event-feed.js';
import type { Store, StoredEvent } from '../store/store.js';
import { webhookLabel, type WebhookConfig } from './delivery.js';
import { createWebhookReceiver } from './receiver.js';

/** What the webhooks need. */
export interface WebhookDeps {
  store: Store;
  notifier: EventNotifier;
  hooks: WebhookConfig[];
  logger: Logger;
  metrics: Metrics;
  version: string;
  /** How often an instance that does not deliver a receiver tries to take it over (default 5000). */
  takeoverMs?: number;
}

/** The JSON body a receiver gets: the stored event and the node's name and state now. */
export async function webhookBody(store: Store, e: StoredEvent): Promise<string> {
  const node = await store.getNode(e.nodeId);
  return JSON.stringify({ ...e, node: node ? { id: node.id, hostname: node.hostname, state: node.state, labels: node.labels } : null });
}

/** Creates the webhook sender: `start` follows events from now on (on the instance that delivers each receiver), `stop` drops what is waiting. */
export function createWebhooks(deps: WebhookDeps): { start(): Promise<void>; stop(): Promise<void> } {
  const m = deps.metrics;
  const counters = {
    delivered: m.counter('bootherd_webhook_deliveries_total', 'Webhook events delivered (2xx)'),
    gaveUp: m.counter('bootherd_webhook_failures_total', 'Webhook events given up after their last attempt'),
    attemptFailures: m.counter('bootherd_webhook_attempt_failures_total', 'Failed webhook POSTs, by reason'),
    dropped: m.counter('bootherd_webhook_dropped_total', 'Webhook events dropped from a full queue'),
  };
  const receivers = deps.hooks.map((hook, i) => {
    const label = webhookLabel(i, hook.url);
    const body = (e: StoredEvent) => webhookBody(deps.store, e);
    return { label, receiver: createWebhookReceiver(hook, { ...deps, label, counters, userAgent: `bootherd/${deps.version}`, body, takeoverMs: deps.takeoverMs ?? 5000 }) };
  });
  m.gauge('bootherd_webhook_queue', 'Webhook events waiting per receiver', () => receivers.map((r) => ({ labels: { webhook: r.label }, value: r.receiver.size() })));
  m.gauge('bootherd_webhook_owner', 'Receivers this instance delivers to (1); another instance on the store does (0)', () => receivers.map((r) => ({ labels: { webhook: r.label }, value: r.receiver.owner() ? 1 : 0 })));

  return {
    async start() {
      await Promise.all(receivers.map((r) => r.receiver.start()));
      if (receivers.length) deps.logger.info('webhooks: receivers', { receivers: receivers.map((r) => r.label) });
    },
    async stop() {
      await Promise.all(receivers.map((r) => r.receiver.stop()));
    },
  };
}
