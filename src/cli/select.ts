// Node selectors: every node command takes NODE or `-l K=V`, `--state S`,
// `--all`, and acts on each selected node, reporting one line per node.
import { z } from 'zod';
import { AppError } from '../errors.js';
import { states } from '../domain/node.js';
import { labelsSchema } from '../domain/values.js';
import type { ClientConfig } from '../config.js';
import { ApiError, callApi } from './client.js';
import type { FlagSpec, Io, PositionalSpec } from './command.js';
import { emit, nodeName, type ApiNode } from './format.js';

const labelSelector = z.string().transform((s, ctx) => {
  const eq = s.indexOf('=');
  if (eq <= 0) return (ctx.addIssue({ code: 'custom', message: `expected KEY=VALUE, got ${JSON.stringify(s)}` }), z.NEVER);
  const [key, value] = [s.slice(0, eq), s.slice(eq + 1)];
  const r = labelsSchema.safeParse({ [key]: value });
  if (!r.success) return (ctx.addIssue({ code: 'custom', message: r.error.issues[0]!.message }), z.NEVER);
  return { key, value };
});

/** `-l K=V`, `--state S`, `--all`: the nodes `nodes list` with the same flags shows. */
export const selectorFlags = {
  label: { type: 'string', short: 'l', value: 'K=V', multiple: true, help: 'select nodes with this label; all given must match', schema: labelSelector },
  state: { type: 'string', value: 'STATE', help: `select nodes in this state (${states.join(', ')})`, choices: states },
  all: { type: 'boolean', help: 'include retired nodes (alone: every node)' },
} as const satisfies Record<string, FlagSpec>;

/** The NODE argument that a selector may stand in for. */
export const nodeArg: PositionalSpec = { name: 'NODE', help: 'a node: id, serial, MAC or hostname; or select nodes with -l, --state, --all', replacedBy: ['label', 'state', 'all'] };

/** A parsed selector. */
export interface Selector {
  label: Array<{ key: string; value: string }>;
  state?: string;
  all: boolean;
}

/** True if any selector flag was given. */
export function hasSelector(s: Selector): boolean {
  return s.label.length > 0 || s.state !== undefined || s.all;
}

/** Lists the nodes a selector picks: retired ones only with --all or --state retired. */
export async function listSelected(cfg: ClientConfig, s: Selector): Promise<ApiNode[]> {
  const qs = new URLSearchParams();
  if (s.state) qs.set('state', s.state);
  if (s.label[0]) qs.set('label', `${s.label[0].key}=${s.label[0].value}`);
  const { nodes } = (await callApi(cfg, 'GET', `/api/v1/nodes${qs.size ? `?${qs}` : ''}`)) as { nodes: ApiNode[] };
  return nodes.filter((n) => s.label.every((l) => n.labels[l.key] === l.value) && (s.all || s.state !== undefined || n.state !== 'retired'));
}

/** The nodes a command acts on: NODE, or every node the selector picks (none is an error). */
export async function selectNodes(cfg: ClientConfig, ref: string | undefined, s: Selector): Promise<ApiNode[]> {
  if (ref !== undefined) return [(await callApi(cfg, 'GET', `/api/v1/nodes/${encodeURIComponent(ref)}`)) as ApiNode];
  const nodes = await listSelected(cfg, s);
  if (nodes.length === 0) throw new AppError('no-match', 'no node matches the selector');
  return nodes;
}

/** One node's outcome. */
export interface NodeResult {
  node: string;
  id: string;
  ok: boolean;
  detail: string;
  /** The API's answer for this node, for -o json|yaml. */
  answer?: unknown;
}

/** What a per-node step returns: a line, or a line with the API's answer. */
export type NodeOutcome = string | { detail: string; answer: unknown };

/** Runs `fn` for each node, a few at a time, keeping the order; a failure is that node's result, not the end. */
export async function forEachNode(nodes: ApiNode[], fn: (n: ApiNode) => Promise<NodeOutcome>, concurrency = 8): Promise<NodeResult[]> {
  const results: NodeResult[] = new Array(nodes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < nodes.length; i = next++) {
      const n = nodes[i]!;
      try {
        const outcome = await fn(n);
        results[i] = typeof outcome === 'string' ? { node: nodeName(n), id: n.id, ok: true, detail: outcome } : { node: nodeName(n), id: n.id, ok: true, ...outcome };
      } catch (err) {
        // An API that cannot be reached fails every node alike: stop at once.
        if (!(err instanceof AppError || (err instanceof ApiError && err.status !== 0))) throw err;
        results[i] = { node: nodeName(n), id: n.id, ok: false, detail: err.message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
  return results;
}

/** Prints one line per node (or the results as JSON/YAML); exit code 1 if any node failed. */
export function reportPerNode(io: Io, results: NodeResult[], format = 'table'): number {
  const width = Math.max(...results.map((r) => r.node.length));
  emit(io, format, results, () => results.map((r) => `${r.node.padEnd(width)}  ${r.ok ? '' : 'failed: '}${r.detail}`).join('\n'));
  const failed = results.filter((r) => !r.ok).length;
  if (failed) io.err(`bootherd: ${failed} of ${results.length} node${results.length > 1 ? 's' : ''} failed`);
  return failed ? 1 : 0;
}
