// Enrollment rules: when an inventory arrives for a node without a target,
// the first matching rule (lowest priority number) names it, labels it and
// gives it a target.
import { z } from 'zod';
import { normalizeSerial } from './identity.js';
import type { Node } from './node.js';
import { powerLinkInput } from './power-link.js';
import { targetSchema } from './targets.js';
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

/** A rule as the API takes it. */
export const ruleInputSchema = z.strictObject({
  name: nameSchema,
  priority: z.number().int().min(0).max(1_000_000).default(100),
  match: ruleMatchSchema.default({}),
  apply: z.strictObject({
    hostname: hostnameTemplate.optional(),
    labels: labelsSchema.optional(),
    target: targetSchema.optional(),
    power: powerLinkInput.optional(),
    watchdog: watchdogOverrideSchema.optional(),
    sequenceStart: z.number().int().nonnegative().default(1),
  }),
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
  if (m.minMemoryBytes !== undefined && (hw.memoryBytes ?? 0) < m.minMemoryBytes) return false;
  if (m.arch && hw.arch !== m.arch) return false;
  if (m.labels && !Object.entries(m.labels).every(([k, v]) => node.labels[k] === v)) return false;
  return true;
}

/** The first matching rule by priority, then name. */
export function pickRule<R extends RuleInput>(rules: R[], node: Node): R | null {
  const sorted = [...rules].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  return sorted.find((r) => ruleMatches(r, node)) ?? null;
}

/** What applying a rule with sequence number `seq` changes on the node (the target is applied as an `assign` event). */
export function applyRule(rule: RuleInput, node: Node, seq: number): { hostname: string | null; labels: Record<string, string> } {
  const mac = node.hardware.nics.find((n) => n.booted)?.mac ?? node.identity.macs[0] ?? null;
  const hostname = rule.apply.hostname ? expandHostname(rule.apply.hostname, { seq, serial: node.identity.serial, mac }).toLowerCase() : node.hostname;
  return { hostname, labels: { ...node.labels, ...(rule.apply.labels ?? {}) } };
}

