// Wedge detection (DESIGN §8), pure: from a node's stored timestamps and the
// watchdog settings to its health, the reason, and when that may next change.
// Everything it reads is in the node record, so a restart of bootherd keeps
// every deadline.
import { z } from 'zod';
import { planFor } from './boot-plan.js';
import type { Node } from './node.js';

/** What the watchdog does about a wedged node. */
export const watchdogPolicies = ['notify', 'retry', 'rescue'] as const;

/** A node's health; `deferred` is never stored: the API shows it while boot admission holds the board back. */
export const healths = ['ok', 'booting', 'wedged', 'unreachable', 'deferred'] as const;
/** One health value. */
export type Health = (typeof healths)[number];

/**
 * The health the API shows: a board boot admission holds back is `deferred`
 * unless the watchdog's verdict is worse; otherwise the watchdog's (whose
 * `booting` covers a board with a boot slot: its `admission` says so).
 */
export function healthWithAdmission(n: { health: Health; healthReason?: string | null }, a: { state: 'admitted' | 'deferred'; position?: number } | null): { health: Health; healthReason: string | null } {
  if (a?.state !== 'deferred' || (n.health !== 'ok' && n.health !== 'booting')) return { health: n.health, healthReason: n.healthReason ?? null };
  return { health: 'deferred', healthReason: `waiting for a boot slot, place ${a.position ?? '?'} in the queue` };
}

/** Why a node is wedged. */
export type WedgeReason = 'no-boot-after-power' | 'stalled-at-firmware' | 'stalled-at-kernel' | 'heartbeat-lost' | 'install-silent';

const seconds = (min: number, dflt: number) => z.number().int().min(min).max(86_400).default(dflt);

/** Watchdog settings (config `watchdog`). */
export const watchdogSettingsSchema = z.strictObject({
  sweepSeconds: seconds(1, 15),
  bootStartSeconds: seconds(5, 120),
  stallSeconds: seconds(5, 90),
  heartbeatSeconds: seconds(10, 300),
  policy: z.enum(watchdogPolicies).default('retry'),
  retries: z.number().int().min(0).max(10).default(2),
});
/** Parsed watchdog settings. */
export type WatchdogSettings = z.infer<typeof watchdogSettingsSchema>;

/** What a node or a rule may override (every field optional; the sweep interval is global). */
export const watchdogOverrideSchema = z.strictObject({
  bootStartSeconds: z.number().int().min(5).max(86_400).optional(),
  stallSeconds: z.number().int().min(5).max(86_400).optional(),
  heartbeatSeconds: z.number().int().min(10).max(86_400).optional(),
  policy: z.enum(watchdogPolicies).optional(),
  retries: z.number().int().min(0).max(10).optional(),
});
/** A node's or rule's overrides. */
export type WatchdogOverride = z.infer<typeof watchdogOverrideSchema>;

/** The settings that hold for one node. */
export type EffectiveSettings = Omit<WatchdogSettings, 'sweepSeconds'> & { installTimeoutSeconds: number };

/** The verdict on one node: `due` (ms since the epoch) is when it may change by time alone. */
export interface Assessment {
  health: 'ok' | 'booting' | 'wedged';
  reason: WedgeReason | null;
  due: number | null;
}

/** States whose agent holds and polls, so its silence means something. */
const holding = new Set(['new', 'ready', 'failed']);
/** States that boot bootherd's agent, which speaks once it is up. */
const agentBoots = new Set(['new', 'ready', 'failed', 'installing', 'rescue']);

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);
const ok: Assessment = { health: 'ok', reason: null, due: null };

function deadline(at: number, now: number, reason: WedgeReason, pending: 'ok' | 'booting'): Assessment {
  return now >= at ? { health: 'wedged', reason, due: null } : { health: pending, reason: null, due: at };
}

/** The settings for `node`: its own overrides over the global ones. */
export function effectiveSettings(global: WatchdogSettings, installTimeoutSeconds: number, node: Pick<Node, 'watchdog'>): EffectiveSettings {
  const { sweepSeconds: _s, ...rest } = global;
  return { ...rest, ...(node.watchdog ?? {}), installTimeoutSeconds };
}

/** Judges one node at `now` (ms since the epoch). */
export function assessNode(node: Node, s: EffectiveSettings, now: number): Assessment {
  if (node.state === 'retired') return ok;
  const boot = ms(node.lastBoot?.startedAt);
  const heard = ms(node.lastHeartbeatAt);
  let power = node.lastPower ? ms(node.lastPower.at) : null;
  // Switched off on purpose: silence is expected until the node shows life again.
  if (node.lastPower?.op === 'off') {
    if (!(boot !== null && boot >= power!) && !(heard !== null && heard > power!)) return ok;
    power = null;
  }
  const netboots = planFor(node) !== null;
  // 1. Switched on, cycled or told to reboot: a boot request must follow.
  if (power !== null && netboots && !(boot !== null && boot >= power) && !(heard !== null && heard > power)) {
    return deadline(power + s.bootStartSeconds * 1000, now, 'no-boot-after-power', 'booting');
  }
  // 2. A boot under way that has not spoken yet: it must reach the kernel, then the agent or OS.
  if (node.lastBoot && boot !== null && !(heard !== null && heard >= boot)) {
    const last = ms(node.lastBoot.updatedAt) ?? boot;
    if (node.lastBoot.stage === 'firmware') return deadline(last + s.stallSeconds * 1000, now, 'stalled-at-firmware', 'booting');
    const speaks = agentBoots.has(node.state) || node.heartbeatFrom === 'os';
    if (speaks) return deadline(last + s.stallSeconds * 1000, now, 'stalled-at-kernel', 'booting');
  }
  // 3. An install must keep reporting.
  if (node.state === 'installing') {
    const last = Math.max(ms(node.updatedAt) ?? 0, ms(node.install?.updatedAt) ?? 0, ms(node.lastSeenAt) ?? 0, heard ?? 0);
    return deadline(last + s.installTimeoutSeconds * 1000, now, 'install-silent', 'ok');
  }
  // 4. Something that sent heartbeats must keep sending them: a deployed OS, or an agent holding.
  const beats = (node.state === 'deployed' && node.heartbeatFrom === 'os') || (holding.has(node.state) && node.heartbeatFrom === 'agent');
  if (beats && heard !== null) return deadline(Math.max(heard, power ?? 0) + s.heartbeatSeconds * 1000, now, 'heartbeat-lost', 'ok');
  return ok;
}
