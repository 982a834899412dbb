// `bootherd nodes ...` and `bootherd render`: the admin API from a terminal.
import type { ClientConfig } from '../config.js';
import { callApi } from './client.js';
import { UsageError } from './usage.js';

type ApiNode = { id: string; hostname: string | null; state: string; target: { kind: string } | null; identity: { serial: string | null; macs: string[] }; hardware: { model: string | null }; nextBoot?: string };

/** Renders rows as an aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** Parses `KIND KEY=VALUE...` (dots nest: then.kind=usb-root) or one JSON argument into a target object. */
export function parseTargetArgs(args: string[]): Record<string, unknown> {
  const [first, ...rest] = args;
  if (!first) throw new UsageError('set-target needs a target: KIND [KEY=VALUE...] or a JSON object');
  if (first.trim().startsWith('{')) {
    try {
      return JSON.parse(first) as Record<string, unknown>;
    } catch {
      throw new UsageError('set-target: the target is not valid JSON');
    }
  }
  const target: Record<string, unknown> = { kind: first };
  for (const kv of rest) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`set-target: expected KEY=VALUE, got ${JSON.stringify(kv)}`);
    const keys = kv.slice(0, eq).split('.');
    let obj = target;
    for (const k of keys.slice(0, -1)) obj = (obj[k] ??= {}) as Record<string, unknown>;
    obj[keys[keys.length - 1]!] = kv.slice(eq + 1);
  }
  return target;
}

const enc = encodeURIComponent;

/** Runs a `nodes` subcommand; returns the text to print. */
export async function runNodes(cfg: ClientConfig, args: string[], opts: { json: boolean; state?: string; label?: string; force?: boolean; wipe?: boolean }): Promise<string> {
  const [sub, ref, ...rest] = args;
  const need = (v: string | undefined, what: string) => {
    if (!v) throw new UsageError(`nodes ${sub}: missing ${what}`);
    return v;
  };
  const show = (v: unknown) => JSON.stringify(v, null, 2);
  switch (sub) {
    case 'list': {
      const qs = new URLSearchParams();
      if (opts.state) qs.set('state', opts.state);
      if (opts.label) qs.set('label', opts.label);
      const { nodes } = (await callApi(cfg, 'GET', `/api/v1/nodes${qs.size ? '?' + qs.toString() : ''}`)) as { nodes: ApiNode[] };
      if (opts.json) return show(nodes);
      return table(['ID', 'HOSTNAME', 'STATE', 'TARGET', 'SERIAL', 'MAC', 'MODEL', 'NEXT BOOT'], nodes.map((n) => [n.id, n.hostname ?? '-', n.state, n.target?.kind ?? '-', n.identity.serial ?? '-', n.identity.macs[0] ?? '-', n.hardware.model ?? '-', n.nextBoot ?? '-']));
    }
    case 'show':
      // JSON, nextBoot among its fields, so scripts can parse it.
      return show(await callApi(cfg, 'GET', `/api/v1/nodes/${enc(need(ref, 'NODE'))}`));
    case 'set-target': {
      const node = (await callApi(cfg, 'PUT', `/api/v1/nodes/${enc(need(ref, 'NODE'))}/target`, parseTargetArgs(rest))) as ApiNode;
      return opts.json ? show(node) : `${node.id}: state ${node.state}, target ${JSON.stringify(node.target)}`;
    }
    case 'action': {
      const body = opts.force || opts.wipe ? { ...(opts.force ? { force: true } : {}), ...(opts.wipe ? { wipe: true } : {}) } : undefined;
      const r = (await callApi(cfg, 'POST', `/api/v1/nodes/${enc(need(ref, 'NODE'))}/actions/${enc(need(rest[0], 'ACTION'))}`, body)) as { detail: string; node: ApiNode };
      return opts.json ? show(r) : `${r.node.id}: ${r.detail}`;
    }
    case 'events': {
      const { events } = (await callApi(cfg, 'GET', `/api/v1/nodes/${enc(need(ref, 'NODE'))}/events`)) as { events: Array<{ at: string; kind: string; data: unknown }> };
      return opts.json ? show(events) : table(['AT', 'KIND', 'DATA'], events.map((e) => [e.at, e.kind, JSON.stringify(e.data)]));
    }
    default:
      throw new UsageError(`nodes: unknown subcommand ${JSON.stringify(sub ?? '')} (list, show, set-target, action, events)`);
  }
}

/** `bootherd render NODE FILE`: the exact bytes the node is served. */
export async function runRender(cfg: ClientConfig, args: string[]): Promise<Buffer> {
  const [ref, file] = args;
  if (!ref || !file) throw new UsageError('render: usage: bootherd render NODE FILE');
  const p = file.split('/').map(enc).join('/');
  return (await callApi(cfg, 'GET', `/api/v1/nodes/${enc(ref)}/boot-files/${p}`, undefined, true)) as Buffer;
}
