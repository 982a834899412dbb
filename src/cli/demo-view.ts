// What `bootherd demo` shows while it runs, read from bootherd's own event
// stream (GET /api/v1/events?follow=1) like `nodes watch`: on a terminal the
// rack table (renderRackTable) redrawn as events arrive, with the demo's
// latest steps below it; elsewhere (tests, CI logs) one line per step and
// per notable event.
import { renderRackTable, describeEvent, type RackEvent, type RackNode } from './rack-table.js';
import { readEvents } from './watch.js';

/** Where the view reads and writes. */
export interface DemoViewOptions {
  url: string;
  token: string;
  /** Redraw a table (a terminal) or print lines. */
  tty: boolean;
  write(text: string): void;
  /** Terminal rows, for cutting the table. */
  rows?: () => number | undefined;
  title: string;
}

/** A running view. */
export interface DemoView {
  /** Tells what the demo does now. */
  step(text: string): void;
  /** Stops following and draws once more (the table stays on screen). */
  stop(): Promise<void>;
}

type ViewNode = RackNode & { identity?: { serial?: string | null; macs?: string[] } };

const lineKinds = new Set(['transition', 'boot-stage', 'power', 'wedged', 'recovered', 'unreachable', 'rescue-ready', 'enrolled-by-rule']);
const keptSteps = 6;

/** Starts following the stream and drawing. */
export function startDemoView(o: DemoViewOptions): DemoView {
  const t0 = Date.now();
  const stamp = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s`;
  const ctl = new AbortController();
  const nodes = new Map<string, ViewNode>();
  const lastEvents = new Map<string, RackEvent>();
  const steps: string[] = [];
  const pending: RackEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  let refreshing: Promise<void> = Promise.resolve();

  const nameOf = (id: string) => {
    const n = nodes.get(id);
    return n?.hostname ?? n?.identity?.serial ?? n?.identity?.macs?.[0] ?? id.slice(0, 8);
  };
  const draw = () => {
    const rows = o.rows?.() ?? 40;
    const table = renderRackTable([...nodes.values()], lastEvents, { maxRows: Math.max(3, rows - keptSteps - 5) });
    o.write(`\x1b[H\x1b[2J${o.title}\n\n${table}\n\n${steps.join('\n')}\n`);
  };
  const printPending = () => {
    for (const e of pending.splice(0)) if (lineKinds.has(e.kind)) o.write(`${stamp()}    ${nameOf(e.nodeId).padEnd(17)} ${describeEvent(e)}${e.kind === 'wedged' && e.data.reason ? ` (${String(e.data.reason)})` : ''}\n`);
  };
  const load = async (signal: AbortSignal | undefined = ctl.signal) => {
    const r = await fetch(`${o.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${o.token}` }, signal });
    if (!r.ok) return;
    const body = (await r.json()) as { nodes: ViewNode[] };
    nodes.clear();
    for (const n of body.nodes) nodes.set(n.id, n);
  };
  const refresh = () => {
    timer = null;
    refreshing = refreshing.then(async () => {
      await load().catch(() => undefined);
      if (o.tty) draw();
      else printPending();
    });
  };
  const onEvent = (e: RackEvent) => {
    lastEvents.set(e.nodeId, e);
    pending.push(e);
    timer ??= setTimeout(refresh, 200);
  };

  async function follow(): Promise<void> {
    let last = 0;
    while (!ctl.signal.aborted) {
      try {
        const res = await fetch(`${o.url}/api/v1/events?follow=1`, { headers: { authorization: `Bearer ${o.token}`, accept: 'text/event-stream', 'last-event-id': String(last) }, signal: ctl.signal });
        if (res.ok && res.body) await readEvents(res.body, (e) => ((last = e.id), onEvent(e)));
      } catch {
        // aborted, or the stream broke: resume from the last id below
      }
      if (!ctl.signal.aborted) await new Promise((r) => setTimeout(r, 500));
    }
  }

  const following = follow();
  // Ages in the table ("5s ago") move on even when nothing happens.
  const ticker = o.tty ? setInterval(draw, 1000) : null;
  if (o.tty) draw();
  return {
    step(text) {
      if (o.tty) {
        steps.push(`${stamp()}  ${text}`);
        steps.splice(0, Math.max(0, steps.length - keptSteps));
        draw();
      } else {
        printPending();
        o.write(`${stamp()}  ${text}\n`);
      }
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      if (timer) clearTimeout(timer);
      ctl.abort();
      await following;
      await refreshing;
      await load(undefined).catch(() => undefined);
      if (o.tty) draw();
      else printPending();
    },
  };
}
