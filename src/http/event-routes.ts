// GET /api/v1/events: a JSON page of events across all nodes, or with
// ?follow=1 a Server-Sent Events stream read from the store (DESIGN §11).
// Each stream client follows the store from its own last id, a page at a
// time at the client's pace; one that does not read is cut off (./sse.ts).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { UnavailableError, ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { followEvents, headEventId, type EventFilter, type EventNotifier, type Follower } from '../core/event-feed.js';
import type { NodeService } from '../core/nodes.js';
import type { Store, StoredEvent } from '../store/store.js';
import { parseWith } from './errors.js';
import { openSse, type SseConnection } from './sse.js';

/** Stream limits (config `events`). */
export interface EventStreamSettings {
  heartbeatSeconds: number;
  clientBufferBytes: number;
  stallSeconds: number;
  maxClients: number;
}

/** What the event routes need. */
export interface EventRouteDeps {
  store: Store;
  notifier: EventNotifier;
  nodes: NodeService;
  metrics: Metrics;
  logger: Logger;
  settings: EventStreamSettings;
}

const kindRe = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** GET /api/v1/events query. */
export const eventsPageQuery = z.strictObject({
  follow: z.enum(['0', '1', 'true', 'false']).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
  node: z.string().min(1).max(253).optional(),
  kind: z.string().max(800).optional().transform((s, ctx) => {
    const kinds = s?.split(',').map((k) => k.trim()).filter(Boolean);
    if (kinds?.some((k) => !kindRe.test(k)) || (kinds?.length ?? 0) > 32) ctx.addIssue({ code: 'custom', message: 'expected up to 32 comma-separated event kinds' });
    return kinds?.length ? kinds : undefined;
  }),
  label: z.string().regex(/^[^=]+=.*$/, { message: 'expected key=value' }).optional(),
});

/** Formats events as SSE frames: the `id:` line is the store's event id. */
export function sseFrames(events: StoredEvent[]): string {
  let text = '';
  for (const e of events) text += `id: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`;
  return text;
}

function resumeId(req: Request, after: number | undefined): number | undefined {
  const header = req.get('last-event-id');
  if (header === undefined || header.trim() === '') return after;
  if (!/^\s*\d{1,15}\s*$/.test(header)) throw new ValidationError('invalid Last-Event-ID: expected an event id', [{ path: 'Last-Event-ID', message: 'expected an event id' }]);
  return Number(header);
}

/** Builds the events router (mount under /api/v1 behind requireAdmin). */
export function createEventRoutes(deps: EventRouteDeps): Router {
  const r = Router();
  const clients = new Set<SseConnection>();
  const sent = deps.metrics.counter('bootherd_event_stream_events_total', 'Events written to stream clients');
  const cutoffs = deps.metrics.counter('bootherd_event_stream_cutoffs_total', 'Stream clients cut off for not reading, by reason');
  deps.metrics.gauge('bootherd_event_stream_clients', 'Stream clients connected', () => [{ labels: {}, value: clients.size }]);

  r.get('/events', async (req, res) => {
    const q = parseWith(eventsPageQuery, req.query, 'query');
    const [key, ...rest] = (q.label ?? '').split('=');
    const filter: EventFilter = {
      nodeId: q.node ? (await deps.nodes.get(q.node)).id : undefined,
      kinds: q.kind,
      label: q.label ? { key: key!, value: rest.join('=') } : undefined,
    };
    const after = resumeId(req, q.after);
    if (q.follow === '1' || q.follow === 'true') {
      if (clients.size >= deps.settings.maxClients) throw new UnavailableError(`events: ${clients.size} stream clients already connected (events.maxClients)`, 'too-many-streams');
      return stream(req, res, filter, after ?? (await headEventId(deps.store)));
    }
    const limit = q.limit ?? 100;
    const events = await deps.store.listAllEvents(after === undefined ? { ...filter, newest: true, limit } : { ...filter, afterId: after, limit });
    res.json({ events, next: events[events.length - 1]?.id ?? after ?? (await headEventId(deps.store)) });
  });

  function stream(req: Request, res: Response, filter: EventFilter, afterId: number): void {
    let follower: Follower | null = null;
    let heartbeat: NodeJS.Timeout | undefined;
    const conn = openSse(req, res, { bufferBytes: deps.settings.clientBufferBytes, stallSeconds: deps.settings.stallSeconds }, {
      onCut(reason) {
        cutoffs.inc({ reason });
        deps.logger.info('event stream client cut off', { reason, client: req.socket.remoteAddress, lastId: follower?.lastId ?? afterId, buffered: conn.buffered });
      },
      onClose() {
        follower?.stop();
        clearInterval(heartbeat);
        clients.delete(conn);
      },
    });
    clients.add(conn);
    heartbeat = setInterval(() => {
      conn.write(': ping\n\n');
      follower?.wake();
    }, deps.settings.heartbeatSeconds * 1000);
    conn.write(`retry: 2000\n: events after ${afterId}\n\n`);
    if (conn.closed) return;
    follower = followEvents(deps, {
      filter,
      afterId,
      async deliver(batch) {
        conn.write(sseFrames(batch));
        sent.inc({}, batch.length);
        await conn.drained();
      },
      onError(err) {
        deps.logger.warn('event stream read failed', { err });
        conn.close();
      },
    });
  }

  return r;
}
