// Output for people and scripts: aligned tables, key/value blocks, JSON and
// YAML, and the short forms of targets, sizes and times the tables use.
import { stringify as toYaml } from 'yaml';
import type { Node } from '../domain/node.js';
import type { Target } from '../domain/targets.js';
import type { Io } from './command.js';

/** A node as the API returns it; branches may add fields (nextBoot, power, root, ...). */
export type ApiNode = Omit<Node, 'bootToken' | 'agentTokenHash'> & { nextBoot?: string } & Record<string, unknown>;

/** Renders rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** Renders `KEY  value` lines; multi-line values are indented under the first line. */
export function keyValues(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v.split('\n').join(`\n${' '.repeat(width + 2)}`)}`).join('\n');
}

/** Prints `value` as JSON or YAML, or calls `text` for the human formats. */
export function emit(io: Io, format: string, value: unknown, text: () => string): void {
  if (format === 'json') return io.out(JSON.stringify(value, null, 2));
  if (format === 'yaml') return io.out(toYaml(value, { lineWidth: 0 }).trimEnd());
  const s = text();
  if (s) io.out(s);
}

/** What a node is called in one line of output: hostname, else serial, MAC or id. */
export function nodeName(n: Pick<ApiNode, 'hostname' | 'identity' | 'id'>): string {
  return n.hostname ?? n.identity.serial ?? n.identity.macs[0] ?? n.id;
}

/** A target in one line: `nfs-root raspios 10.0.0.1:/srv/roots/pi07`. */
export function targetSummary(t: Target | null | undefined): string {
  if (!t) return '-';
  const image = 'image' in t && t.image ? ` ${t.image}` : '';
  switch (t.kind) {
    case 'nfs-root':
      return `nfs-root${image} ${t.server}:${t.path}`;
    case 'usb-root':
      return `usb-root${image}${t.partuuid ? ` PARTUUID=${t.partuuid}` : ''}`;
    case 'install':
      return `install ${t.image} to ${t.disk}, then ${targetSummary(t.then)}`;
    default:
      return t.kind;
  }
}

/** What the node boots next: the server's `nextBoot` line when it sends one, else the target. */
export function nextBoot(n: ApiNode): string {
  return typeof n.nextBoot === 'string' && n.nextBoot ? n.nextBoot : targetSummary(n.target);
}

/** An ISO time to the second, UTC: `2025-03-01T10:00:00Z`. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace(/\.\d+Z$/, 'Z') : '-';
}

/** Bytes in binary units: `3.8 GiB`. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Labels as `k=v, k=v`. */
export function labelList(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '-';
}

// One collator for every comparison: localeCompare with options builds a new one per call.
const natural = new Intl.Collator('en', { numeric: true });

/** Natural order for names like pi2 < pi10; missing ones last. */
export function byName(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return natural.compare(a, b);
}

/** An API answer that may carry lifecycle effects (a power cycle) and whether anyone carried them out. */
export type WithEffects = { effects?: Array<{ done: boolean; notice?: string }> };

/** What the operator must do by hand because nobody carried out an effect (no power driver, or it failed). */
export function effectNotices(r: WithEffects): string {
  return (r.effects ?? []).filter((e) => !e.done && e.notice).map((e) => `\nwarning: ${e.notice}`).join('');
}
