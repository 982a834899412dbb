// Paced power-on (DESIGN §7, §8): which nodes a selector picks, in which
// order they are switched, and how far apart, so that a rack powered on
// together reaches its firmware at the pace boot admission lets boards in
// rather than all in the same second.
import { z } from 'zod';
import type { Budget } from './admission-budget.js';
import { states, type Node } from './node.js';
import { labelsSchema } from './values.js';

/** The longest stagger taken (seconds between two nodes). */
export const maxStaggerSeconds = 600;

/** `POST /api/v1/power/actions/power-on|power-cycle`: a selector (at least one of state, labels, rack, all) and an optional stagger. */
export const pacedPowerSchema = z.strictObject({
  state: z.enum(states).optional(),
  labels: labelsSchema.optional(),
  /** Shorthand for the label rack=VALUE. */
  rack: z.string().regex(/^[A-Za-z0-9._:/=@+-]{1,63}$/, { message: 'a rack label value: 1-63 of letters, digits, . _ : / = @ + -' }).optional(),
  /** Alone: every node; with the others: retired ones too. */
  all: z.boolean().optional(),
  /** Seconds between two nodes; without it, computed from the admission budget. */
  staggerSeconds: z.number().min(0).max(maxStaggerSeconds).optional(),
}).refine((b) => b.state !== undefined || b.labels !== undefined || b.rack !== undefined || b.all === true, { message: 'give a selector: state, labels, rack or all: true' });

/** A parsed request. */
export type PacedPowerRequest = z.infer<typeof pacedPowerSchema>;

/** True if the request's selector picks `node`: retired nodes only with all or state retired (as `nodes list`). */
export function selects(req: PacedPowerRequest, node: Pick<Node, 'state' | 'labels'>): boolean {
  const labels = { ...req.labels, ...(req.rack !== undefined ? { rack: req.rack } : {}) };
  if (req.state !== undefined && node.state !== req.state) return false;
  if (!Object.entries(labels).every(([k, v]) => node.labels[k] === v)) return false;
  return req.all === true || req.state !== undefined || node.state !== 'retired';
}

/**
 * Seconds between two power-ons so that boards arrive as fast as admission
 * lets them in: a slot lasts about the share of TFTP_FILE_TIMEOUT its largest
 * file may take, over the share of the slot spent in large files; `boards`
 * slots turn over in that time.
 */
export function staggerFromBudget(budget: Pick<Budget, 'boards' | 'largeShare'>, s: { fileTimeoutMs: number; headroom: number }): number {
  const slotSeconds = (s.fileTimeoutMs / 1000) * s.headroom / Math.max(0.1, budget.largeShare);
  const seconds = slotSeconds / Math.max(1, budget.boards);
  return Math.min(maxStaggerSeconds, Math.round(seconds * 1000) / 1000);
}

/** One step of a plan. */
export interface PlanStep {
  id: string;
  hostname: string | null;
  offsetSeconds: number;
}

/** The nodes in the order they are switched (rack label, then hostname, then id) and each one's offset from the first. */
export function planPowerOn(nodes: ReadonlyArray<Pick<Node, 'id' | 'hostname' | 'labels'>>, staggerSeconds: number): PlanStep[] {
  const collator = new Intl.Collator('en', { numeric: true });
  const sorted = [...nodes].sort((a, b) => collator.compare(a.labels.rack ?? '', b.labels.rack ?? '') || collator.compare(a.hostname ?? '', b.hostname ?? '') || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.map((n, i) => ({ id: n.id, hostname: n.hostname, offsetSeconds: Math.round(i * staggerSeconds * 1000) / 1000 }));
}
