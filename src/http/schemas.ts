// Request schemas of the HTTP API (also the source of /openapi.json).
import { z } from 'zod';
import { normalizeMac, normalizeSerial, normalizeUuid } from '../domain/identity.js';
import { states } from '../domain/node.js';
import { hostnameSchema, labelsSchema } from '../domain/values.js';
import { watchdogOverrideSchema } from '../domain/wedge.js';
import { nodeActions } from '../core/nodes.js';

/** PATCH /api/v1/nodes/:id */
export const nodePatchSchema = z.strictObject({
  hostname: hostnameSchema.nullable().optional(),
  labels: z.record(z.string(), z.string().nullable()).optional().superRefine((labels, ctx) => {
    if (!labels) return;
    const set = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== null));
    const r = labelsSchema.safeParse(set);
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
  }),
  /** The node's own watchdog settings (replaced whole; null: the global ones). */
  watchdog: watchdogOverrideSchema.nullable().optional(),
});

/** GET /api/v1/nodes query. */
export const nodeListQuery = z.strictObject({
  state: z.enum(states).optional(),
  label: z.string().regex(/^[^=]+=.*$/, { message: 'expected key=value' }).optional(),
  serial: z.string().max(32).optional(),
  mac: z.string().max(32).optional(),
  limit: z.coerce.number().int().min(1).max(10000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

/** POST /api/v1/nodes/:id/actions/:action */
export const actionParam = z.enum(nodeActions);

/** POST /api/v1/nodes/:id/actions/:action body (optional). */
export const actionBody = z.strictObject({ force: z.boolean().optional(), wipe: z.boolean().optional() });

/** GET /api/v1/nodes/:id/events query. */
export const eventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(5000).optional(),
  after: z.coerce.number().int().min(0).optional(),
  before: z.coerce.number().int().min(1).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  kind: z.string().max(500).regex(/^[a-z][a-z0-9-]{0,63}(,[a-z][a-z0-9-]{0,63})*$/, { message: 'expected event kinds separated by commas, e.g. power,transition' }).optional(),
});

/** POST /api/v1/rules/:id/apply */
export const ruleApplySchema = z.strictObject({
  dryRun: z.boolean().default(false),
  force: z.boolean().default(false),
});

/** Parses an If-Match header into a version; undefined when absent or `*`. */
export function parseIfMatch(header: string | undefined): number | undefined | 'unmatchable' {
  if (header === undefined || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  return m ? Number(m[1]) : 'unmatchable';
}

/** DELETE /api/v1/nodes/:id query. */
export const deleteQuery = z.strictObject({ force: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1') });

const parsed = (what: string, parse: (s: string) => string | null) =>
  z.string().max(64).transform((s, ctx) => parse(s.trim()) ?? (ctx.addIssue({ code: 'custom', message: `not a ${what}` }), z.NEVER));

/** POST /api/v1/nodes/:id/actions/release-identity: exactly one of mac, serial, uuid. */
export const releaseIdentitySchema = z
  .strictObject({ mac: parsed('MAC address', normalizeMac).optional(), serial: parsed('Pi serial', normalizeSerial).optional(), uuid: parsed('UUID', normalizeUuid).optional() })
  .refine((b) => Object.values(b).filter((v) => v !== undefined).length === 1, { message: 'give exactly one of mac, serial, uuid' })
  .transform((b) => (b.mac ? { mac: b.mac } : b.serial ? { serial: b.serial } : { uuid: b.uuid! }));
