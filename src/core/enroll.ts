// Zero-touch enrollment: the first time a serial, MAC or UUID is seen (TFTP,
// iPXE or a discovery report) a node is created in state `new`.
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../errors.js';
import { findIdentityConflict } from '../domain/merge.js';
import { emptyHardware, normalizeNode, type Hardware, type Node } from '../domain/node.js';
import { bump, mutateNode, newToken, type CoreDeps } from './deps.js';
import { candidatesFor, mergeCandidates, recordIdentityConflict } from './identity-links.js';

/** The identity a boot request carries. */
export type SeenIdentity = { serial: string } | { mac: string } | { uuid: string };

/** A new node record in state `new` with the given identities. */
export function newNode(ids: { serial?: string | null; macs?: string[]; uuid?: string | null }, at: string, ip: string | null): Node {
  return normalizeNode({
    id: randomUUID(),
    hostname: null,
    state: 'new',
    target: null,
    rescueFrom: null,
    identity: { serial: ids.serial ?? null, macs: ids.macs ?? [], uuid: ids.uuid ?? null },
    hardware: emptyHardware(),
    labels: {},
    health: 'ok',
    failure: null,
    lastIp: ip,
    lastSeenAt: at,
    lastBoot: null,
    install: null,
    pendingAction: null,
    enrolledBy: null,
    bootToken: newToken(),
    agentTokenHash: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
  });
}

/**
 * Finds the node a boot request names, enrolling a `new` one if unknown (pending until it reports or an operator
 * touches it); records a `seen` event with the client IP when enrolling. The enrollment gate may refuse to
 * create one: TooManyRequestsError, which TFTP answers as file-not-found and HTTP as 429. Enrollments through the
 * gate run one at a time, so concurrent first requests never pass its cap together.
 */
export async function findOrEnroll(deps: CoreDeps, id: SeenIdentity, ctx: { ip: string | null; via: string }): Promise<{ node: Node; created: boolean }> {
  const found = await deps.store.findNode(id);
  if (found) return { node: found, created: false };
  const enroll = async (): Promise<{ node: Node; created: boolean }> => {
    // Queued behind the request that enrolled it, a board's resend finds its node here.
    const known = deps.enrollGate ? await deps.store.findNode(id) : null;
    if (known) return { node: known, created: false };
    await deps.enrollGate?.admit(ctx.ip);
    const at = deps.now().toISOString();
    const node: Node = { ...newNode('serial' in id ? { serial: id.serial } : 'mac' in id ? { macs: [id.mac] } : { uuid: id.uuid }, at, ctx.ip), pending: true };
    try {
      await deps.store.createNode(node, [{ kind: 'seen', data: { ...id, ip: ctx.ip, via: ctx.via, enrolled: true } }], at);
      deps.logger.info('enrolled new node', { node: node.id, ...id, ip: ctx.ip, via: ctx.via });
      return { node, created: true };
    } catch (err) {
      // Two first requests raced; the other one enrolled it.
      const again = err instanceof ConflictError ? await deps.store.findNode(id) : null;
      if (again) return { node: again, created: false };
      throw err;
    }
  };
  return deps.enrollGate ? deps.enrollGate.serially(enroll) : enroll();
}

/** What a board names about itself at once, before it boots (a Pi's DHCP option 97). */
export interface LinkedSighting {
  serial: string;
  mac: string;
  /** Hardware facts it states; they fill only what the record does not know yet. */
  facts?: Partial<Pick<Hardware, 'model' | 'revision' | 'family' | 'soc' | 'memoryBytes'>>;
}

/**
 * Finds, enrolls (through findOrEnroll) or links the board so that its serial
 * and MAC live on one record, merging records first seen apart; a claim that
 * contradicts a record is flagged as an identity conflict, never linked.
 * Records a `kind` event (e.g. `dhcp`) naming both when anything changed.
 */
export async function findOrEnrollLinked(deps: CoreDeps, seen: LinkedSighting, ctx: { ip: string | null; via: string }): Promise<{ node: Node; created: boolean; conflict: string | null }> {
  const claim = { serial: seen.serial, macs: [seen.mac], uuid: null };
  const candidates = await candidatesFor(deps.store, claim);
  const conflict = findIdentityConflict(claim, candidates);
  if (conflict) {
    // A board retries DHCP every few seconds: flag once, not per packet.
    if (!conflict.node.conflict) await recordIdentityConflict(deps, conflict.node, conflict.reason, claim, ctx.ip);
    return { node: conflict.node, created: false, conflict: conflict.reason };
  }
  const first = candidates.length === 0 ? await findOrEnroll(deps, { serial: seen.serial }, ctx) : { node: await mergeCandidates(deps, claim, candidates), created: false };
  const facts = Object.entries(seen.facts ?? {}).filter(([k, v]) => v != null && first.node.hardware[k as keyof Hardware] == null);
  const known = first.node.identity.serial === seen.serial && first.node.identity.macs.includes(seen.mac);
  if (known && facts.length === 0 && !first.created && candidates.length < 2) return { ...first, conflict: null };
  const node = await mutateNode(deps, first.node.id, (n, at) => ({
    node: bump(n, {
      identity: { ...n.identity, serial: n.identity.serial ?? seen.serial, macs: n.identity.macs.includes(seen.mac) ? n.identity.macs : [...n.identity.macs, seen.mac] },
      hardware: { ...n.hardware, ...Object.fromEntries(facts.filter(([k]) => n.hardware[k as keyof Hardware] == null)) },
    }, at),
    events: [{ kind: ctx.via, data: { serial: seen.serial, mac: seen.mac, ...seen.facts, enrolled: first.created, ip: ctx.ip } }],
  }));
  deps.logger.info('linked serial and MAC', { node: node.id, serial: seen.serial, mac: seen.mac, via: ctx.via });
  return { node, created: first.created, conflict: null };
}
