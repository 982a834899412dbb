// Request schemas of the HTTP API (also the source of /openapi.json).
import { z } from 'zod';
import { states } from '../domain/node.js';
import { hostnameSchema, labelsSchema } from '../domain/values.js';
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
