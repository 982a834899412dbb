// A discovery report arrives: link it to the node(s) it names (merging records
// first seen by serial and by MAC, flagging conflicts), update inventory,
// apply enrollment rules, and answer with the agent token and next action.
import { timingSafeEqual } from 'node:crypto';
import { ConflictError, ForbiddenError, ValidationError, VersionMismatchError } from '../errors.js';
import { claimOf, hardwareFrom, type Inventory } from '../domain/inventory.js';
import { findIdentityConflict, type ClaimedIdentity } from '../domain/merge.js';
import type { Node } from '../domain/node.js';
import { bump, mutateNode } from './deps.js';
import { newNode } from './enroll.js';
import { candidatesFor, mergeCandidates, recordIdentityConflict } from './identity-links.js';
import { applyLifecycle, type LifecycleDeps } from './lifecycle-ops.js';
import { enrollByRule } from './rules.js';
import { isAgentTokenOf, issueAgentToken, type AgentInstruction, type AgentService } from './agent.js';

/** What a discovery report is answered with. */
export interface DiscoveryResult {
  node: Node;
  token: string;
  next: AgentInstruction;
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

  async function linkedNode(claim: ClaimedIdentity, candidates: Node[], ip: string | null): Promise<Node> {
    const at = deps.now().toISOString();
    if (candidates.length === 0) {
      const node = newNode(claim, at, ip);
      return deps.store.createNode(node, [{ kind: 'seen', data: { ...claim, ip, via: 'discovery', enrolled: true } }], at);
    }
    return mergeCandidates(deps, claim, candidates);
  }

  async function reportOnce(inv: Inventory, claim: ClaimedIdentity, ctx: { ip: string | null; bearer: string | null }): Promise<DiscoveryResult> {
    const candidates = await candidatesFor(deps.store, claim);
    const conflict = findIdentityConflict(claim, candidates);
    if (conflict) await flagConflict(conflict.node, conflict.reason, claim, ctx.ip);
    authorize(candidates, ctx.bearer);
    const linked = await linkedNode(claim, candidates, ctx.ip);
    const firstInventory = linked.state === 'new' && !linked.target;
    const { token, hash } = issueAgentToken(linked);
    let node = await applyLifecycle(deps, linked.id, { type: 'inventory' }, {
      patch: (n) => ({
        identity: { serial: n.identity.serial ?? claim.serial, macs: [...new Set([...n.identity.macs, ...claim.macs])], uuid: n.identity.uuid ?? claim.uuid },
        hardware: hardwareFrom(inv, n.hardware),
        lastIp: ctx.ip ?? n.lastIp,
        lastSeenAt: deps.now().toISOString(),
        agentTokenHash: hash,
      }),
      events: [{ kind: 'inventory', data: { ip: ctx.ip, macs: claim.macs, disks: inv.disks.length, model: inv.model ?? null } }],
    });
    if (firstInventory) node = await enrollByRule(deps, node);
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
        if (!(err instanceof VersionMismatchError) || attempt >= 3) throw err;
      }
    }
  }

  return { report };
}
