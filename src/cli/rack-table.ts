// The rack as a terminal table: one row a node (hostname, state, health, boot
// stage, next boot, last event) under a line of counts per state. Used by
// `nodes watch`; anything else that draws the rack in a terminal reuses it.
import { table } from './nodes.js';

/** The fields of a node the table shows (as the API returns them). */
export interface RackNode {
  id: string;
  hostname: string | null;
  state: string;
  health?: string;
  healthReason?: string | null;
  target?: { kind: string } | null;
  nextBoot?: unknown;
  lastBoot?: { stage: string } | null;
}

/** An event as the stream sends it. */
export interface RackEvent {
  id: number;
  nodeId: string;
  at: string;
  kind: string;
  data: Record<string, unknown>;
}

/** How many rows fit, and the clock used for "5s ago". */
export interface RackTableOptions {
  maxRows?: number;
  now?: Date;
}

/** What a node boots next: `nextBoot` when the server gives one, else its target's kind. */
export function nextBootOf(n: RackNode): string {
  if (typeof n.nextBoot === 'string' && n.nextBoot) return n.nextBoot;
  return n.target?.kind ?? '-';
}

/** A short human description of an event. */
export function describeEvent(e: RackEvent): string {
  const d = e.data;
  if (e.kind === 'transition' && d.from && d.to) return `${String(d.from)}->${String(d.to)}`;
  if (e.kind === 'boot-stage' && d.stage) return `boot ${String(d.stage)}`;
  if (e.kind === 'power' && d.op) return `power ${String(d.op)}`;
  return e.kind;
}

function age(at: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86400)}d`;
}

// Terminal control and other non-printing characters from node data are shown as '?'.
const printable = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');

/** Renders the rack: a line of counts per state, then one row a node (hostnames sorted), cut to `maxRows`. */
export function renderRackTable(nodes: RackNode[], lastEvents: Map<string, RackEvent>, opts: RackTableOptions = {}): string {
  const now = opts.now ?? new Date();
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
  const summary = `${nodes.length} node${nodes.length === 1 ? '' : 's'}` + (counts.size ? ': ' + [...counts].sort().map(([s, c]) => `${c} ${s}`).join(', ') : '');
  const name = (n: RackNode) => n.hostname ?? n.id.slice(0, 8);
  const sorted = [...nodes].sort((a, b) => name(a).localeCompare(name(b)) || a.id.localeCompare(b.id));
  const max = opts.maxRows ?? sorted.length;
  const shown = sorted.length > max ? sorted.slice(0, Math.max(0, max - 1)) : sorted;
  const rows = shown.map((n) => {
    const e = lastEvents.get(n.id);
    const health = (n.health ?? '-') + (n.healthReason ? ` (${n.healthReason})` : '');
    return [name(n), n.state, health, n.lastBoot?.stage ?? '-', nextBootOf(n), e ? `${describeEvent(e)} ${age(e.at, now)} ago` : '-'].map(printable);
  });
  const more = sorted.length > shown.length ? `\n... ${sorted.length - shown.length} more` : '';
  return `${summary}\n${table(['HOSTNAME', 'STATE', 'HEALTH', 'STAGE', 'NEXT BOOT', 'LAST EVENT'], rows)}${more}`;
}
