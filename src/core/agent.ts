// The discovery image's agent: per-node tokens, what to do next, and reports
// (heartbeat, install progress and result, rescue address).
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, ForbiddenError, UnauthorizedError } from '../errors.js';
import { agentStates } from '../domain/lifecycle.js';
import type { Node } from '../domain/node.js';
import { installedRootPartuuid } from '../domain/targets.js';
import { publicKeySchema } from '../domain/ssh-keys.js';
import { partuuidSchema } from '../domain/values.js';
import { bump, hashToken, mutateNode, newToken } from './deps.js';
import { applyLifecycle, type LifecycleDeps } from './lifecycle-ops.js';

/** What the agent is told to do. */
export type AgentInstruction =
  | { action: 'hold'; pollSeconds: number }
  | { action: 'reboot' }
  | { action: 'poweroff' }
  | { action: 'rescue'; pollSeconds: number }
  | { action: 'install'; image: string; imageUrl: string; sha256: string; sizeBytes: number | null; compression: 'none' | 'gzip' | 'xz'; disk: string };

/** Where the agent fetches an image kept as a file on the bootherd host (relative to bootherd.url; agent token required). */
export const agentDiskPath = '/api/v1/agent/disk';

const partition = z.looseObject({ name: z.string().max(64).optional(), partuuid: z.string().max(64).nullish(), fstype: z.string().max(32).nullish(), label: z.string().max(64).nullish() });

/** Reports the agent may post. `nodeId`, when given, must be the token's node. */
export const agentReportSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('heartbeat'), nodeId: z.string().optional() }),
  z.strictObject({ kind: z.literal('install-progress'), nodeId: z.string().optional(), bytes: z.number().int().nonnegative(), totalBytes: z.number().int().nonnegative().optional() }),
  z.strictObject({ kind: z.literal('install-succeeded'), nodeId: z.string().optional(), disk: z.string().max(200).optional(), bytes: z.number().int().nonnegative().optional(), sha256: z.string().max(64).optional(), partitions: z.array(partition).max(128).default([]) }),
  z.strictObject({ kind: z.literal('install-failed'), nodeId: z.string().optional(), message: z.string().max(2000) }),
  z.strictObject({
    kind: z.literal('rescue-ready'), nodeId: z.string().optional(),
    ssh: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}:\d{1,5}$/, { message: 'expected IPv4:PORT' }),
    hostKey: publicKeySchema,
  }),
]);
/** One validated agent report. */
export type AgentReport = z.infer<typeof agentReportSchema>;

/** Issues a new agent token for `node`: `<node id>.<secret>`; only the secret's hash is stored. */
export function issueAgentToken(node: Node): { token: string; hash: string } {
  const secret = newToken();
  return { token: `${node.id}.${secret}`, hash: hashToken(secret) };
}

// An agent's polls and heartbeats are written at most this often, and at
// least three times per watchdog heartbeat window.
const heartbeatEveryMs = (deps: LifecycleDeps, node: Node) => Math.min(60_000, ((node.watchdog?.heartbeatSeconds ?? deps.settings.watchdog.heartbeatSeconds) * 1000) / 3);
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** True if `bearer` is `node`'s current agent token (constant-time comparison of the hashes). */
export function isAgentTokenOf(node: Node, bearer: string): boolean {
  if (!bearer.startsWith(`${node.id}.`)) return false;
  const given = Buffer.from(hashToken(bearer.slice(node.id.length + 1)));
  // The token rendered into the node's NFS root counts as its agent token too.
  return [node.agentTokenHash, node.root?.tokenHash].some((h) => {
    const want = Buffer.from(h ?? '');
    return want.length > 0 && given.length === want.length && timingSafeEqual(given, want);
  });
}

/** Creates the agent service. */
export function createAgentService(deps: LifecycleDeps) {
  async function authenticate(bearer: string | null, claimedNodeId?: string, opts: { bootToken?: boolean } = {}): Promise<Node> {
    if (!bearer) throw new UnauthorizedError('unauthorized: the agent token is required (Authorization: Bearer)');
    // A deployed OS knows its boot token (rendered into its root), not an agent token: enough for a heartbeat.
    if (opts.bootToken && claimedNodeId && !bearer.includes('.')) {
      const node = await deps.store.getNode(claimedNodeId);
      if (node && same(bearer, node.bootToken)) return node;
    }
    const dot = bearer.lastIndexOf('.');
    const node = dot > 0 ? await deps.store.getNode(bearer.slice(0, dot)) : null;
    if (!node || !isAgentTokenOf(node, bearer)) throw new UnauthorizedError('unauthorized: unknown or expired agent token');
    if (claimedNodeId !== undefined && claimedNodeId !== node.id) throw new ForbiddenError(`forbidden: this agent token belongs to another node than ${claimedNodeId}`);
    return node;
  }

  async function instructionFor(node: Node): Promise<AgentInstruction> {
    if (node.pendingAction) return { action: node.pendingAction };
    switch (node.state) {
      case 'deployed':
        return { action: 'reboot' };
      case 'retired':
        return { action: 'poweroff' };
      case 'rescue':
        return { action: 'rescue', pollSeconds: deps.settings.agentPollSeconds };
      case 'installing': {
        const t = node.target;
        const image = t?.kind === 'install' ? await deps.store.getImage(t.image) : null;
        const d = image?.disk;
        // One install per assignment: handed out once; an agent that comes back mid-install holds until the watchdog or an operator decides.
        if (t?.kind === 'install' && d && !node.install?.startedAt) {
          await mutateNode(deps, node.id, (n, at) => (n.install?.startedAt ? null : { node: bump(n, { install: { bytes: 0, updatedAt: at, startedAt: at, totalBytes: d.sizeBytes ?? null, percent: 0 } }, at), events: [{ kind: 'install-started', data: { image: image.name, disk: t.disk } }] }));
          return { action: 'install', image: image.name, imageUrl: d.url ?? agentDiskPath, sha256: d.sha256, sizeBytes: d.sizeBytes ?? null, compression: d.compression ?? 'none', disk: t.disk };
        }
        return { action: 'hold', pollSeconds: deps.settings.agentPollSeconds };
      }
      default:
        return { action: 'hold', pollSeconds: deps.settings.agentPollSeconds };
    }
  }

  // Records the agent (or OS) as heard from: written at most every few seconds
  // (or when its IP changes, or when a pending action was handed out), not on every poll.
  async function markSeen(node: Node, ip: string | null, delivered: boolean): Promise<Node> {
    const from = agentStates.has(node.state) ? 'agent' : 'os';
    const last = node.lastHeartbeatAt ? Date.parse(node.lastHeartbeatAt) : 0;
    const stale = deps.now().getTime() - last > heartbeatEveryMs(deps, node) || node.heartbeatFrom !== from;
    const clear = delivered && node.pendingAction !== null;
    if (!clear && !stale && node.lastIp === ip) return node;
    return mutateNode(deps, node.id, (n, at) => ({
      // A reboot handed out now is a boot the watchdog waits for; a poweroff is silence it must not chase.
      node: bump(n, {
        pendingAction: clear ? null : n.pendingAction, lastSeenAt: at, lastHeartbeatAt: at, heartbeatFrom: from, lastIp: ip ?? n.lastIp,
        ...(clear && n.pendingAction ? { lastPower: { op: n.pendingAction === 'reboot' ? ('reboot' as const) : ('off' as const), at } } : {}),
      }, at),
      events: clear && n.pendingAction ? [{ kind: 'agent-action', data: { action: n.pendingAction } }] : [],
    }));
  }

  /** Marks the node seen and hands out a pending action once. */
  async function next(node: Node, ip: string | null): Promise<AgentInstruction> {
    const instruction = await instructionFor(node);
    await markSeen(node, ip, true);
    return instruction;
  }

  async function report(node: Node, r: AgentReport, ip: string | null): Promise<Node> {
    switch (r.kind) {
      case 'heartbeat':
        return markSeen(node, ip, false);
      case 'install-progress':
        return mutateNode(deps, node.id, (n, at) => {
          const total = r.totalBytes ?? n.install?.totalBytes ?? null;
          const percent = total ? Math.min(100, Math.floor((r.bytes * 100) / total)) : null;
          return { node: bump(n, { install: { ...n.install, bytes: r.bytes, updatedAt: at, totalBytes: total, percent }, lastSeenAt: at }, at), events: [] };
        });
      case 'install-succeeded': {
        const partuuid = installedRootPartuuid(r.partitions);
        const partitions = r.partitions.map((p) => ({ name: p.name ?? null, partuuid: p.partuuid?.toLowerCase() ?? null, fstype: p.fstype ?? null, label: p.label ?? null }));
        const installed = (n: Node) => ({ installed: { image: n.target?.kind === 'install' ? n.target.image : null, disk: r.disk ?? (n.target?.kind === 'install' ? n.target.disk : null), partitions, at: deps.now().toISOString() } });
        return applyLifecycle(deps, node.id, { type: 'install-succeeded', ...(partuuid ? { partuuid } : {}) }, { patch: installed, events: [{ kind: 'install-report', data: { partitions: r.partitions } }] });
      }
      case 'install-failed':
        return applyLifecycle(deps, node.id, { type: 'install-failed', message: r.message });
      case 'rescue-ready':
        return mutateNode(deps, node.id, (n, at) => ({ node: bump(n, { rescueAccess: { ssh: r.ssh, hostKey: r.hostKey, at }, lastHeartbeatAt: at, heartbeatFrom: 'agent' }, at), events: [{ kind: 'rescue-ready', data: { ssh: r.ssh, hostKey: r.hostKey } }] }));
    }
  }

  /** The keys the rescue system's SSH server accepts, for a node in rescue only. */
  function rescueKeys(node: Node): string[] {
    if (node.state !== 'rescue') throw new ConflictError(`rescue keys: node ${node.id} is '${node.state}', not in rescue`, 'not-in-rescue');
    return deps.settings.rescueKeys;
  }

  return { authenticate, instructionFor, next, report, rescueKeys };
}

/** The agent service. */
export type AgentService = ReturnType<typeof createAgentService>;
