// Delivery to one webhook receiver: a bounded queue (the oldest waiting event
// is dropped, and counted, when the receiver is down for long), one POST at a
// time in event order, signed with HMAC-SHA256, retried with doubling backoff.
// Nothing here blocks the request that caused an event: push() only queues.
import { createHmac } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Counter } from '../metrics.js';

/** One receiver as configured (`webhooks[]`). */
export interface WebhookConfig {
  url: string;
  events: string[];
  secret: string;
  timeoutSeconds: number;
  maxAttempts: number;
  backoffSeconds: number;
  queueSize: number;
}

/** The counters every receiver records into, labelled `webhook`. */
export interface WebhookCounters {
  delivered: Counter;
  gaveUp: Counter;
  attemptFailures: Counter;
  dropped: Counter;
}

/** A receiver's queue. */
export interface WebhookQueue {
  /** Queues one event body for delivery. */
  push(item: { eventId: number; kind: string; body: string }): void;
  /** Events waiting (not counting the one in flight). */
  size(): number;
  /** The id of the oldest event not delivered yet (in flight or waiting), or null when none is. */
  pendingFrom(): number | null;
  stop(): void;
}

/** The value of X-Bootherd-Signature for a body. */
export function signBody(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** A receiver's name in logs and metrics: its position and host, never its path or query (which may hold a token). */
export function webhookLabel(index: number, url: string): string {
  return `${index}:${new URL(url).host}`;
}

const maxBackoffMs = 300_000;

type Outcome = { ok: true } | { ok: false; reason: string; permanent: boolean };

/** Creates the queue and delivery loop of one receiver. */
export function createWebhookQueue(hook: WebhookConfig, deps: { label: string; logger: Logger; counters: WebhookCounters; userAgent: string }): WebhookQueue {
  const labels = { webhook: deps.label };
  const queue: Array<{ eventId: number; kind: string; body: string }> = [];
  let busy = false;
  let stopped = false;
  let sleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  let inFlight: AbortController | null = null;
  let current: { eventId: number; kind: string; body: string } | null = null;
  let droppedSinceLog = 0;

  async function post(item: { eventId: number; kind: string; body: string }): Promise<Outcome> {
    inFlight = new AbortController();
    const timeout = setTimeout(() => inFlight?.abort(), hook.timeoutSeconds * 1000);
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        redirect: 'manual',
        signal: inFlight.signal,
        headers: { 'content-type': 'application/json', 'user-agent': deps.userAgent, 'x-bootherd-event': item.kind, 'x-bootherd-delivery': String(item.eventId), 'x-bootherd-signature': signBody(hook.secret, item.body) },
        body: item.body,
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      return { ok: false, reason: `http-${res.status}`, permanent: res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429 };
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      return { ok: false, reason: e.name === 'AbortError' ? 'timeout' : (e.cause?.code ?? 'network').toLowerCase(), permanent: false };
    } finally {
      clearTimeout(timeout);
      inFlight = null;
    }
  }

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => ((sleep = null), resolve());
      sleep = { timer: setTimeout(wake, ms), wake };
    });

  // Delivers one event, retrying; resolves when it was delivered or given up.
  async function deliver(item: { eventId: number; kind: string; body: string }): Promise<void> {
    for (let attempt = 1; !stopped; attempt++) {
      const r = await post(item);
      if (r.ok) return void deps.counters.delivered.inc(labels);
      if (stopped) return;
      deps.counters.attemptFailures.inc({ ...labels, reason: r.reason });
      if (r.permanent || attempt >= hook.maxAttempts) {
        deps.counters.gaveUp.inc(labels);
        deps.logger.error('webhook delivery failed; giving up on this event', { webhook: deps.label, event: item.eventId, kind: item.kind, attempts: attempt, reason: r.reason });
        return;
      }
      const delay = Math.min(hook.backoffSeconds * 1000 * 2 ** (attempt - 1), maxBackoffMs);
      deps.logger.warn('webhook delivery failed; will retry', { webhook: deps.label, event: item.eventId, attempt, reason: r.reason, retryInMs: delay });
      await wait(delay);
    }
  }

  async function run(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      while (!stopped && queue.length) {
        const item = queue.shift()!;
        current = item;
        await deliver(item);
        current = null;
      }
    } finally {
      busy = false;
    }
  }

  return {
    push(item) {
      if (stopped) return;
      queue.push(item);
      if (queue.length > hook.queueSize) {
        queue.shift();
        deps.counters.dropped.inc(labels);
        if (droppedSinceLog++ % 100 === 0) deps.logger.warn('webhook queue full: dropping the oldest waiting events', { webhook: deps.label, queueSize: hook.queueSize });
      }
      void run();
    },
    size: () => queue.length,
    pendingFrom: () => current?.eventId ?? queue[0]?.eventId ?? null,
    stop() {
      stopped = true;
      queue.length = 0;
      if (sleep) (clearTimeout(sleep.timer), sleep.wake());
      inFlight?.abort();
    },
  };
}
