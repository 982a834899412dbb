// `bootherd nodes watch`: follows the event stream (GET /api/v1/events?follow=1)
// and redraws the rack table from it, or with --json prints one event a line.
// A dropped connection is resumed with Last-Event-ID, so nothing is missed.
import type { ClientConfig } from '../config.js';
import { ApiError, callApi } from './client.js';
import { renderRackTable, type RackEvent, type RackNode } from './rack-table.js';

/** What to watch. */
export interface WatchOptions {
  json: boolean;
  state?: string;
  label?: string;
  kind?: string;
}

/** Reads one SSE response body, calling `onEvent` for each message; resolves when the server ends it. */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: RackEvent, raw: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let sep: number;
    while ((sep = buf.indexOf('\n\n')) >= 0) {
      const data = buf.slice(0, sep).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      buf = buf.slice(sep + 2);
      if (data) onEvent(JSON.parse(data) as RackEvent, data);
    }
  }
}

/** Follows the stream after `afterId` for good, reconnecting with backoff; throws only for answers a retry cannot fix (401, 400...). */
export async function followStream(cfg: ClientConfig, query: URLSearchParams, afterId: number | null, onEvent: (e: RackEvent, raw: string) => void, warn: (s: string) => void): Promise<never> {
  if (!cfg.token) throw new ApiError(0, `no admin token: pass --admin-token, set BOOTHERD_ADMIN_TOKEN, or run where ${cfg.tokenFile} is readable`);
  let lastId = afterId;
  let delay = 500;
  for (;;) {
    try {
      const res = await fetch(`${cfg.url}/api/v1/events?follow=1&${query.toString()}`, { headers: { authorization: `Bearer ${cfg.token}`, accept: 'text/event-stream', ...(lastId !== null ? { 'last-event-id': String(lastId) } : {}) } });
      if (res.status >= 400 && res.status < 500) {
        const body = (await res.json().catch(() => ({}))) as { message?: string; issues?: Array<{ path: string; message: string }> };
        throw new ApiError(res.status, body.message ?? `HTTP ${res.status}`, body.issues ?? []);
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      delay = 500;
      await readEvents(res.body, (e, raw) => ((lastId = e.id), onEvent(e, raw)));
      warn('event stream ended; reconnecting');
    } catch (err) {
      if (err instanceof ApiError) throw err;
      warn(`event stream: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}; reconnecting in ${delay} ms`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 30_000);
  }
}

/** Runs `nodes watch` until interrupted. */
export async function runWatch(cfg: ClientConfig, opts: WatchOptions, out: (s: string) => void): Promise<number> {
  const query = new URLSearchParams();
  if (opts.kind) query.set('kind', opts.kind);
  if (opts.label) query.set('label', opts.label);
  const warn = (s: string) => void process.stderr.write(`bootherd: ${s}\n`);
  if (opts.json) return followStream(cfg, query, null, (_e, raw) => out(raw), warn);

  const list = new URLSearchParams();
  if (opts.state) list.set('state', opts.state);
  if (opts.label) list.set('label', opts.label);
  const load = async () => ((await callApi(cfg, 'GET', `/api/v1/nodes?${list.toString()}`)) as { nodes: RackNode[] }).nodes;
  const nodes = new Map((await load()).map((n) => [n.id, n]));
  const recent = (await callApi(cfg, 'GET', `/api/v1/events?limit=1000&${query.toString()}`)) as { events: RackEvent[]; next: number };
  const lastEvents = new Map(recent.events.map((e) => [e.nodeId, e]));
  const tty = process.stdout.isTTY === true;
  const draw = () => {
    const text = renderRackTable([...nodes.values()], lastEvents, { maxRows: tty ? Math.max(3, (process.stdout.rows ?? 40) - 3) : undefined });
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`);
  };
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  const refresh = async () => {
    timer = null;
    const ids = [...dirty];
    dirty.clear();
    if (ids.length > 50) for (const n of await load()) nodes.set(n.id, n);
    else {
      for (const id of ids) {
        const n = (await callApi(cfg, 'GET', `/api/v1/nodes/${encodeURIComponent(id)}`).catch((err: unknown) => (err instanceof ApiError && err.status === 404 ? null : Promise.reject(err)))) as RackNode | null;
        const wanted = n && (!opts.state || n.state === opts.state);
        if (wanted) nodes.set(id, n);
        else nodes.delete(id);
      }
    }
    draw();
  };
  draw();
  return followStream(cfg, query, recent.next, (e) => {
    lastEvents.set(e.nodeId, e);
    dirty.add(e.nodeId);
    timer ??= setTimeout(() => void refresh().catch((err: unknown) => warn(`refresh failed: ${(err as Error).message}`)), 250);
  }, warn);
}
