// Response schemas of the HTTP API for nodes, events and errors: what the
// routes answer, in zod, so /openapi.json is generated from the same source
// as the types the code returns. The `Same` checks at the end fail the build
// when a schema and its type part ways.
import { z } from 'zod';
import { diskSchema } from '../domain/inventory.js';
import { states, type publicNode } from '../domain/node.js';
import { targetSchema } from '../domain/targets.js';
import { healths, watchdogOverrideSchema } from '../domain/wedge.js';
import type { StoredEvent } from '../store/store.js';
import type { ActionResult } from '../core/nodes.js';
import type { PowerEvent } from '../core/power.js';
import type { EffectOutcome } from '../core/lifecycle-ops.js';
import type { RuleApplyResult } from '../core/rules.js';

const iso = z.string().meta({ format: 'date-time' });
const count = z.number().int().nonnegative();
const text = z.string();

/** Hardware facts of a node, from its inventory and its Pi revision code. */
export const hardwareSchema = z.strictObject({
  model: text.nullable(), revision: text.nullable(), family: text.nullable(), soc: text.nullable(), arch: text.nullable(),
  cpus: count.nullable(), memoryBytes: count.nullable(), boardMemoryBytes: count.nullable().optional(),
  serialFull: text.nullable(), systemSerial: text.nullable().optional(), kernel: text.nullable(), bootMode: text.nullable(),
  nics: z.array(z.strictObject({ name: text.nullable(), mac: text, booted: z.boolean() })),
  disks: z.array(diskSchema),
  extra: z.record(z.string(), z.unknown()).optional().describe('report fields bootherd does not know: kept, not trusted'),
});

/** The latest boot as the boot telemetry counted it. */
export const lastBootSchema = z.strictObject({
  startedAt: iso, via: z.enum(['tftp', 'http']), clientIp: text.nullable(),
  files: count, probes: count, notFound: count, failed: count, bytes: count,
  stage: z.enum(['firmware', 'kernel', 'initramfs', 'os-up']), updatedAt: iso,
});

const installedSchema = z.strictObject({
  image: text.nullable(), disk: text.nullable(), at: iso,
  partitions: z.array(z.strictObject({ name: text.nullable(), partuuid: text.nullable(), fstype: text.nullable(), label: text.nullable() })),
});

const rootSchema = z.strictObject({
  provider: z.enum(['btrfs', 'copy']), path: text, image: text, createdAt: iso, exported: z.boolean(),
  exportedTo: text.nullable().optional(), exportId: count.optional(), exportError: text.nullable().optional(),
});

/** A node as the API shows it (tokens left out), with `nextBoot`: one line saying what its next boot does. */
export const nodeSchema = z.strictObject({
  id: text,
  hostname: text.nullable(),
  state: z.enum(states),
  target: targetSchema.nullable(),
  rescueFrom: z.enum(states).nullable(),
  identity: z.strictObject({ serial: text.nullable(), macs: z.array(text), uuid: text.nullable() }),
  hardware: hardwareSchema,
  labels: z.record(z.string(), z.string()),
  health: z.enum(healths),
  healthReason: text.nullable().optional(),
  conflict: text.nullable().optional().describe('why the identity is in conflict, or null'),
  power: z.strictObject({ controller: text, port: text, resolvedPort: text.nullable().optional() }).nullable().optional(),
  lastPower: z.strictObject({ op: z.enum(['on', 'off', 'cycle', 'reboot']), at: iso }).nullable().optional(),
  lastHeartbeatAt: iso.nullable().optional(),
  heartbeatFrom: z.enum(['agent', 'os']).nullable().optional(),
  watchdog: watchdogOverrideSchema.nullable().optional(),
  escalation: z.strictObject({ reason: text, since: iso, attempts: count, rescued: z.boolean(), nextAt: iso.nullable() }).nullable().optional(),
  rescueAccess: z.strictObject({ ssh: text, hostKey: text, at: iso }).nullable().optional(),
  failure: text.nullable(),
  lastIp: text.nullable(),
  lastSeenAt: iso.nullable(),
  lastBoot: lastBootSchema.nullable(),
  install: z.strictObject({ bytes: count, updatedAt: iso, startedAt: iso.optional(), totalBytes: count.nullable().optional(), percent: z.number().min(0).max(100).nullable().optional() }).nullable(),
  installed: installedSchema.nullable().optional(),
  pendingAction: z.enum(['reboot', 'poweroff']).nullable(),
  enrolledBy: text.nullable(),
  pending: z.boolean().optional(),
  root: rootSchema.nullable().optional(),
  version: z.number().int().positive(),
  createdAt: iso,
  updatedAt: iso,
  nextBoot: text.describe('what the next boot does, e.g. "nfs-root raspios-lite -> 10.0.0.1:/srv/roots/rack1-pi07"'),
  admission: z.union([
    z.strictObject({ state: z.literal('admitted'), since: iso, deadline: iso }),
    z.strictObject({ state: z.literal('deferred'), since: iso, via: z.enum(['dhcp', 'tftp']), position: count, admitBy: iso }),
  ]).nullable().optional().describe("the node's boot admission as this instance sees it now: holding a slot, or waiting in the queue; null when neither"),
});

/** The answer of PUT /nodes/{id}/power: the node record without `nextBoot`. */
export const nodeRecordSchema = nodeSchema.omit({ nextBoot: true, admission: true });

/** What became of one effect of a transition (`notice`: what to do by hand). */
export const effectSchema = z.strictObject({ op: z.enum(['power-cycle', 'power-off']), reason: text, done: z.boolean(), detail: text, notice: text.optional() });

/** A power request as recorded in a `power` event. */
export const powerEventSchema = z.strictObject({
  op: z.enum(['on', 'off', 'cycle']), controller: text.nullable(), port: text.nullable(),
  outcome: z.enum(['ok', 'failed', 'manual', 'skipped']), detail: text, durationMs: count, reason: text,
});

/** PUT /nodes/{id}/target: the node with its transition's effects. */
export const targetResultSchema = nodeSchema.extend({ effects: z.array(effectSchema) });

/** POST /nodes/{id}/actions/{action}: how the action reached the node. */
export const actionResultSchema = z.strictObject({
  action: text, delivery: z.enum(['state', 'agent', 'power']), detail: text,
  effects: z.array(effectSchema), power: powerEventSchema.optional(), node: nodeSchema,
});

/** POST /power/actions/power-on|power-cycle: the plan, each node with its offset from the first (seconds). */
export const pacedPlanSchema = z.strictObject({
  op: z.enum(['power-on', 'power-cycle']), staggerSeconds: z.number().nonnegative(), staggerFrom: z.enum(['request', 'admission']), startedAt: iso,
  plan: z.array(z.strictObject({ id: text, hostname: text.nullable(), offsetSeconds: z.number().nonnegative() })),
  skipped: z.array(z.strictObject({ id: text, hostname: text.nullable(), reason: text })),
});

/** GET /nodes/{id}/power: the power state as the device reports it. */
export const powerStatusSchema = z.strictObject({ controller: text, port: text, state: z.enum(['on', 'off', 'unknown']), detail: text, durationMs: count });

/** One event as stored (also each `data:` line of the event stream). */
export const eventSchema = z.strictObject({ id: z.number().int().positive(), nodeId: text, at: iso, kind: text, data: z.record(z.string(), z.unknown()), instance: text.nullable() });

/** GET /nodes/{id}/events. */
export const nodeEventsSchema = z.strictObject({ events: z.array(eventSchema) });

/** GET /events: a page of events and the id to resume after. */
export const eventsPageSchema = z.strictObject({ events: z.array(eventSchema), next: count });

/** GET /nodes. */
export const nodeListSchema = z.strictObject({ nodes: z.array(nodeSchema) });

const issueSchema = z.strictObject({ path: text, message: text });

/** Every error answer: a stable code, a `what: why` message, and for bad input each problem. */
export const errorSchema = z.strictObject({
  error: text.describe('stable, machine-readable code: invalid, invalid-json, unauthorized, forbidden, not-found, conflict, invalid-transition, version-mismatch, too-large, internal, ...'),
  message: text,
  issues: z.array(issueSchema).optional(),
});

/** A 502 from a power device: the error and what the device did (`power` for actions, `controller`/`durationMs` for status). */
export const powerErrorSchema = errorSchema.extend({ power: powerEventSchema.optional(), controller: text.optional(), durationMs: count.optional() });

/** One line of a rule application. */
export const ruleApplyItemSchema = z.strictObject({
  nodeId: text, hostname: text.nullable(), serial: text.nullable(),
  outcome: z.enum(['applied', 'would-apply', 'unchanged', 'skipped', 'failed']), reason: text.optional(), sequence: count.optional(),
  changes: z.strictObject({
    hostname: z.strictObject({ from: text.nullable(), to: text.nullable() }).optional(),
    labels: z.record(z.string(), z.strictObject({ from: text.nullable(), to: text })).optional(),
    target: z.strictObject({ from: targetSchema.nullable(), to: targetSchema }).optional(),
    state: z.strictObject({ from: z.enum(states), to: z.enum(states) }).optional(),
    power: z.strictObject({ from: z.strictObject({ controller: text, port: text }).nullable(), to: z.strictObject({ controller: text, port: text }) }).optional(),
  }),
});

/** POST /rules/{id}/apply: every node the rule matches, in enrollment order. */
export const ruleApplyResultSchema = z.strictObject({
  rule: z.strictObject({ id: text, name: text }), dryRun: z.boolean(), force: z.boolean(), matched: count, results: z.array(ruleApplyItemSchema),
});

/** True when A and B are assignable both ways. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
type Out<S extends z.ZodType> = z.output<S>;

/** Build-time checks: each schema describes the type its route sends. */
export type ResponseChecks = [
  Holds<Same<Out<typeof nodeSchema>, ReturnType<typeof publicNode> & { nextBoot: string }>>,
  Holds<Same<Out<typeof eventSchema>, StoredEvent>>,
  Holds<Same<Out<typeof effectSchema>, EffectOutcome>>,
  Holds<Same<Out<typeof powerEventSchema>, PowerEvent>>,
  Holds<Same<Out<typeof actionResultSchema>, Omit<ActionResult, 'node'> & { action: string; node: Out<typeof nodeSchema> }>>,
  Holds<Same<Out<typeof ruleApplyResultSchema>, RuleApplyResult>>,
];
