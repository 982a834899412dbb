// A discovery report arrives: link it to the node(s) it names (merging records
// first seen by serial and by MAC, flagging conflicts), update inventory,
// apply enrollment rules, and answer with the agent token and next action.
import { timingSafeEqual } from 'node:crypto';
import { ConflictError, ForbiddenError, ValidationError, VersionMismatchError } from '../errors.js';
import { claimOf, hardwareFrom, type Inventory } from '../domain/inventory.js';
import { findIdentityConflict, mergeRecords, type ClaimedIdentity } from '../domain/merge.js';
import type { Node } from '../domain/node.js';
import { newNode } from './enroll.js';
import { candidatesFor, mergeCandidates, recordIdentityConflict } from './identity-links.js';
import { planLifecycle, runEffects, type LifecycleDeps, type PlannedChange } from './lifecycle-ops.js';
import { firstInventoryRule } from './rules.js';
import { isAgentTokenOf, issueAgentToken, type AgentInstruction, type AgentService } from './agent.js';

/** What a discovery report is answered with. */
export interface DiscoveryResult {
  node: Node;
  token: string;
  next: AgentInstruction;
}

/** The record a report lands on: a fresh one (not stored yet), or a stored one, with the record merged into it. */
interface Linked {
  base: Node;
  fresh: boolean;
  absorbed: Node | null;
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Creates the discovery service. */
export function createDiscoveryService(deps: LifecycleDeps & { agent: AgentService }) {
  // A node past `ready` takes reports only from a holder of its boot or agent token.
  function authorize(nodes: Node[], bearer: string | null): void {
    for (const n of nodes) {
      if (n.state === 'new' || n.state === 'ready') continue;
      const ok = bearer !== null && (same(bearer, n.bootToken) || isAgentTokenOf(n, bearer));
      if (!ok) throw new ForbiddenError(`forbidden: node ${n.id} is '${n.state}'; its reports need its boot token`);
    }
  }

  async function flagConflict(node: Node, reason: string, claim: ClaimedIdentity, ip: string | null): Promise<never> {
    await recordIdentityConflict(deps, node, reason, claim, ip);
    throw new ConflictError(`identity conflict: ${reason}`, 'identity-conflict');
  }

  // The record the report updates, merged in memory with the others it links: the last merge is
  // stored together with the report, so that a report that fails leaves no record behind.
  async function linkedNode(claim: ClaimedIdentity, candidates: Node[], ip: string | null, at: string): Promise<Linked> {
    if (candidates.length === 0) return { base: newNode(claim, at, ip), fresh: true, absorbed: null };
    const survivor = await mergeCandidates(deps, claim, candidates.length > 1 ? candidates.slice(0, -1) : candidates);
    const last = candidates.length > 1 ? candidates[candidates.length - 1]! : null;
    return { base: last ? { ...mergeRecords(survivor, last), version: survivor.version } : survivor, fresh: false, absorbed: last };
  }

  // The first matching rule applied in memory: hostname and labels, and its target as an `assign`.
  async function withRule(plan: PlannedChange, at: string): Promise<PlannedChange> {
    const found = await firstInventoryRule(deps, plan.node);
    if (!found) return plan;
    const { rule, planned, error } = found;
    if (error || !planned) {
      deps.logger.warn('enrollment rule not applied', { node: plan.node.id, rule: rule.name, err: error });
      return { ...plan, events: [...plan.events, { kind: 'rule-failed', data: { rule: rule.name, message: error?.message ?? 'not applied' } }] };
    }
    const named = { ...plan.node, hostname: planned.hostname, labels: planned.labels, ...planned.settings, enrolledBy: rule.name };
    const events = [...plan.events, { kind: 'enrolled-by-rule', data: { rule: rule.name, sequence: planned.sequence, hostname: planned.hostname, via: 'first-inventory' } }];
    if (!planned.changes.target || !planned.target) return { ...plan, node: named, events };
    const assigned = planLifecycle(named, { type: 'assign', target: planned.target }, at);
    return { node: assigned.node, events: [...events, ...assigned.events], effects: [...plan.effects, ...assigned.effects] };
  }

  // One write: a new record, an update, or the last merge, each with every event of the report.
  async function store(linked: Linked, plan: PlannedChange, claim: ClaimedIdentity, ip: string | null, at: string): Promise<Node> {
    const { base, absorbed } = linked;
    if (linked.fresh) return deps.store.createNode(plan.node, [{ kind: 'seen', data: { ...claim, ip, via: 'discovery', enrolled: true } }, ...plan.events], at);
    if (!absorbed) return deps.store.updateNode(plan.node, base.version, plan.events, at);
    const merged = { kind: 'merged', data: { absorbed: absorbed.id, absorbedIdentity: absorbed.identity, claim } };
    const node = await deps.store.mergeNodes(plan.node, base.version, absorbed.id, absorbed.version, [merged, ...plan.events], at);
    deps.logger.info('merged node records', { node: node.id, absorbed: absorbed.id });
    return node;
  }

  // A rule's nfs-root target gets its root once the report is stored; a root that cannot be made is on record, the report stands.
  async function withRootOf(node: Node): Promise<Node> {
    if (!deps.roots) return node;
    return deps.roots.ensure(node).catch(async (err: unknown) => {
      deps.logger.warn('root not made for a rule target', { node: node.id, err });
      await deps.store.appendEvents(node.id, [{ kind: 'root-failed', data: { message: (err as Error).message } }], deps.now().toISOString());
      return node;
    });
  }

  async function reportOnce(inv: Inventory, claim: ClaimedIdentity, ctx: { ip: string | null; bearer: string | null }): Promise<DiscoveryResult> {
    const candidates = await candidatesFor(deps.store, claim);
    const conflict = findIdentityConflict(claim, candidates);
    if (conflict) await flagConflict(conflict.node, conflict.reason, claim, ctx.ip);
    authorize(candidates, ctx.bearer);
    const at = deps.now().toISOString();
    const linked = await linkedNode(claim, candidates, ctx.ip, at);
    const { token, hash } = issueAgentToken(linked.base);
    let plan = planLifecycle(linked.base, { type: 'inventory' }, at, {
      patch: (n) => ({
        identity: { serial: n.identity.serial ?? claim.serial, macs: [...new Set([...n.identity.macs, ...claim.macs])], uuid: n.identity.uuid ?? claim.uuid },
        hardware: hardwareFrom(inv, n.hardware),
        lastIp: ctx.ip ?? n.lastIp,
        lastSeenAt: at,
        lastHeartbeatAt: at,
        heartbeatFrom: 'agent',
        agentTokenHash: hash,
        pending: false,
      }),
      events: [{ kind: 'inventory', data: { ip: ctx.ip, macs: claim.macs, disks: inv.disks.length, model: inv.model ?? null } }],
    });
    if (linked.base.state === 'new' && !linked.base.target) plan = await withRule(plan, at);
    const node = await deps.power.resolveAuto(await withRootOf(await store(linked, plan, claim, ctx.ip, at)));
    await runEffects(deps, node, plan.effects);
    return { node, token, next: await deps.agent.instructionFor(node) };
  }

  /** Handles one inventory report from `ctx.ip`, with the bearer token the report carried (if any). */
  async function report(inv: Inventory, ctx: { ip: string | null; bearer: string | null }): Promise<DiscoveryResult> {
    const { claim, issues } = claimOf(inv);
    if (issues.length) throw new ValidationError('invalid inventory: ' + issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    for (let attempt = 0; ; attempt++) {
      try {
        return await reportOnce(inv, claim, ctx);
      } catch (err) {
        // Another writer won (a CAS lost, or a boot request enrolled the same board meanwhile): read again.
        const raced = err instanceof VersionMismatchError || (err instanceof ConflictError && err.code === 'duplicate');
        if (!raced || attempt >= 3) throw err;
      }
    }
  }

  return { report };
}
