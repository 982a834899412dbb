// Identity merge and conflict rules (DESIGN §2), pure.
import type { Node, NodeState } from './node.js';

/** The identities a discovery report claims. */
export interface ClaimedIdentity {
  serial: string | null;
  macs: string[];
  uuid: string | null;
}

/** Why a report cannot be linked to existing records without a person deciding. */
export interface IdentityConflict {
  node: Node;
  reason: string;
}

/** Finds a conflict between what a report claims and the records it matched, or null. */
export function findIdentityConflict(claim: ClaimedIdentity, candidates: Node[]): IdentityConflict | null {
  for (const node of candidates) {
    const known = node.identity;
    if (claim.serial && known.serial === claim.serial && known.macs.length > 0 && claim.macs.length > 0 && !known.macs.some((m) => claim.macs.includes(m))) {
      return { node, reason: `serial ${claim.serial} is claimed with MAC ${claim.macs.join(',')} but node ${node.id} has MAC ${known.macs.join(',')}` };
    }
    if (claim.serial && known.serial && known.serial !== claim.serial) {
      return { node, reason: `node ${node.id} has serial ${known.serial} but a board with serial ${claim.serial} claims its MAC or UUID` };
    }
    if (claim.uuid && known.uuid && known.uuid !== claim.uuid && known.serial === null) {
      return { node, reason: `node ${node.id} has uuid ${known.uuid} but a board with uuid ${claim.uuid} claims its MAC` };
    }
  }
  return null;
}

const settled = (s: NodeState) => s !== 'new' && s !== 'ready';

/** Folds `absorbed` into `survivor` (the older record): identities united, survivor's values winning unless it knows less. */
export function mergeRecords(survivor: Node, absorbed: Node): Node {
  const lifecycle = !settled(survivor.state) && settled(absorbed.state) ? absorbed : survivor;
  const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];
  const newerBoot = [survivor.lastBoot, absorbed.lastBoot].filter((b) => b !== null).sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0] ?? null;
  return {
    ...survivor,
    hostname: survivor.hostname ?? absorbed.hostname,
    state: lifecycle.state,
    target: lifecycle.target ?? survivor.target ?? absorbed.target,
    rescueFrom: lifecycle.rescueFrom,
    failure: lifecycle.failure,
    identity: {
      serial: survivor.identity.serial ?? absorbed.identity.serial,
      macs: union(survivor.identity.macs, absorbed.identity.macs),
      uuid: survivor.identity.uuid ?? absorbed.identity.uuid,
    },
    labels: { ...absorbed.labels, ...survivor.labels },
    lastIp: survivor.lastSeenAt && absorbed.lastSeenAt && absorbed.lastSeenAt > survivor.lastSeenAt ? absorbed.lastIp : survivor.lastIp ?? absorbed.lastIp,
    lastBoot: newerBoot,
    enrolledBy: survivor.enrolledBy ?? absorbed.enrolledBy,
  };
}
