// Enrollment rules: when an inventory arrives for a node without a target,
// the first matching rule (lowest priority number) names it, labels it and
// gives it a target. A rule can also be applied to the nodes already there.
import { z } from 'zod';
import { normalizeSerial } from './identity.js';
import type { Node } from './node.js';
import { powerLinkInput } from './power-link.js';
import { targetTemplateSchema } from './rule-target.js';
import { watchdogOverrideSchema } from './wedge.js';
import { isHostname, labelsSchema, nameSchema } from './values.js';

const serialItem = z.string().transform((s, ctx) => normalizeSerial(s) ?? (ctx.addIssue({ code: 'custom', message: `not a Pi serial: ${s}` }), z.NEVER));
const macPrefix = z.string().transform((s, ctx) => {
  const hex = s.toLowerCase().replace(/[:-]/g, '');
  if (!/^[0-9a-f]{2,12}$/.test(hex) || hex.length % 2) return (ctx.addIssue({ code: 'custom', message: `not a MAC prefix: ${s}` }), z.NEVER);
  return hex.match(/../g)!.join(':');
});

/** A hostname template: `{seq}`, `{seq:N}` (zero-padded to N), `{serial}`, `{mac}` (12 hex digits). */
export const hostnameTemplate = z.string().max(200).refine((t) => isHostname(expandHostname(t, { seq: 1, serial: 'a1b2c3d4', mac: 'dca632000000' })), {
  message: 'the template does not expand to an RFC 1123 host name (placeholders: {seq}, {seq:N}, {serial}, {mac})',
});

/** What a rule matches on; every given field must match. */
export const ruleMatchSchema = z.strictObject({
  model: z.string().max(128).optional(),
  revisions: z.array(z.string().regex(/^[0-9a-fA-F]{1,8}$/).transform((s) => s.toLowerCase())).max(256).optional(),
  serials: z.array(serialItem).max(10000).optional(),
  macPrefixes: z.array(macPrefix).max(256).optional(),
  minMemoryBytes: z.number().int().nonnegative().optional(),
  arch: z.string().max(32).optional(),
  labels: labelsSchema.optional(),
});

/** True if a match constrains nothing, so that the rule would take every new board. */
export function matchesEverything(m: z.infer<typeof ruleMatchSchema>): boolean {
  return !m.model && !m.revisions && !m.serials && !m.macPrefixes && !m.minMemoryBytes && !m.arch && Object.keys(m.labels ?? {}).length === 0;
}

/** A rule as the API takes it. An install rule must match something: it writes disks. */
export const ruleInputSchema = z.strictObject({
  name: nameSchema,
  priority: z.number().int().min(0).max(1_000_000).default(100),
  match: ruleMatchSchema.default({}),
  apply: z.strictObject({
    hostname: hostnameTemplate.optional(),
    labels: labelsSchema.optional(),
    target: targetTemplateSchema.optional(),
    power: powerLinkInput.optional(),
    watchdog: watchdogOverrideSchema.optional(),
    sequenceStart: z.number().int().nonnegative().default(1),
  }),
}).superRefine((r, ctx) => {
  if (r.apply.target?.kind === 'install' && matchesEverything(r.match)) {
    ctx.addIssue({ code: 'custom', path: ['match'], message: 'a rule with an install target must match something (model, revisions, serials, macPrefixes, minMemoryBytes, arch or labels): an empty match would overwrite the disk of every new board' });
  }
});

/** A validated rule input. */
export type RuleInput = z.infer<typeof ruleInputSchema>;
/** A stored rule. */
export type Rule = RuleInput & { id: string; sequence: number; createdAt: string };

/** Expands a hostname template. */
export function expandHostname(template: string, v: { seq: number; serial: string | null; mac: string | null }): string {
  return template.replace(/\{(seq(?::(\d{1,2}))?|serial|mac)\}/g, (_m, key: string, pad?: string) => {
    if (key.startsWith('seq')) return String(v.seq).padStart(pad ? Number(pad) : 0, '0');
    if (key === 'serial') return v.serial ?? 'noserial';
    return (v.mac ?? '000000000000').replace(/:/g, '');
  });
}

/** True if every field of the rule's match holds for the node. */
export function ruleMatches(rule: RuleInput, node: Node): boolean {
  const m = rule.match;
  const hw = node.hardware;
  if (m.model && !(hw.model ?? '').toLowerCase().includes(m.model.toLowerCase())) return false;
  if (m.revisions && !m.revisions.includes(hw.revision ?? '')) return false;
  if (m.serials && !m.serials.includes(node.identity.serial ?? '')) return false;
  if (m.macPrefixes && !node.identity.macs.some((mac) => m.macPrefixes!.some((p) => mac.startsWith(p)))) return false;
  // The board's nominal RAM when its revision code says it: the OS sees less (4,124,000,000 on a 4 GB Pi 4).
  if (m.minMemoryBytes !== undefined && (hw.boardMemoryBytes ?? hw.memoryBytes ?? 0) < m.minMemoryBytes) return false;
  if (m.arch && hw.arch !== m.arch) return false;
  if (m.labels && !Object.entries(m.labels).every(([k, v]) => node.labels[k] === v)) return false;
  return true;
}

/** The first matching rule by priority, then name. */
export function pickRule<R extends RuleInput>(rules: R[], node: Node): R | null {
  const sorted = [...rules].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  return sorted.find((r) => ruleMatches(r, node)) ?? null;
}

/** The MAC a rule names a node by: the one it booted from, else its first. */
export function ruleMac(node: Node): string | null {
  return node.hardware.nics.find((n) => n.booted)?.mac ?? node.identity.macs[0] ?? null;
}

/** What applying a rule with sequence number `seq` changes on the node (the target is applied as an `assign` event). */
export function applyRule(rule: RuleInput, node: Node, seq: number): { hostname: string | null; labels: Record<string, string> } {
  const hostname = rule.apply.hostname ? expandHostname(rule.apply.hostname, { seq, serial: node.identity.serial, mac: ruleMac(node) }).toLowerCase() : node.hostname;
  return { hostname, labels: { ...node.labels, ...(rule.apply.labels ?? {}) } };
}

/** True if the hostname template numbers nodes, so a taken name can move on to the next number. */
export function usesSequence(template: string): boolean {
  return /\{seq(?::\d{1,2})?\}/.test(template);
}

/**
 * Why a rule must not be applied to a node that matches it, or null when it may.
 * Without `force`, only nodes that no one has decided about yet: `new` or `ready`,
 * no target, not enrolled by a rule. `force` also takes nodes an operator or
 * another rule configured; a node that is installing, in rescue or retired never.
 */
export function ruleSkipReason(node: Node, force: boolean): string | null {
  if (node.state === 'installing' || node.state === 'rescue' || node.state === 'retired') return `is ${node.state}: never re-enrolled while ${node.state === 'retired' ? 'retired' : 'busy'}`;
  if (force) return null;
  if (node.state !== 'new' && node.state !== 'ready') return `is ${node.state} with a target; force re-applies`;
  if (node.target) return 'has a target assigned by an operator; force re-applies';
  if (node.enrolledBy) return `was enrolled by rule '${node.enrolledBy}'; force re-applies`;
  return null;
}

/** Whether applying the rule renames the node: it has no hostname yet, or `force` and the name did not come from this rule. */
export function ruleRenames(rule: RuleInput, node: Node, force: boolean): boolean {
  if (!rule.apply.hostname) return false;
  return node.hostname === null || (force && node.enrolledBy !== rule.name);
}

