// Linking the identities one board claims (serial, MACs, UUID) to the records
// that hold them: shared by discovery reports and DHCP option 97, so both
// merge and flag conflicts by the same rules (DESIGN §2, domain/merge.ts).
import { mergeRecords, type ClaimedIdentity } from '../domain/merge.js';
import type { Node } from '../domain/node.js';
import type { Store } from '../store/store.js';
import { bump, mutateNode, type CoreDeps } from './deps.js';

/** The distinct records holding any identity of the claim, oldest first. */
export async function candidatesFor(store: Store, claim: ClaimedIdentity): Promise<Node[]> {
  const found = [
    claim.serial ? await store.findNode({ serial: claim.serial }) : null,
    claim.uuid ? await store.findNode({ uuid: claim.uuid }) : null,
    ...(await Promise.all(claim.macs.map((mac) => store.findNode({ mac })))),
  ];
  const byId = new Map<string, Node>();
  for (const n of found) if (n) byId.set(n.id, n);
  return [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Marks `node` as in identity conflict, with an `identity-conflict` event naming the claim. */
export async function recordIdentityConflict(deps: CoreDeps, node: Node, reason: string, claim: ClaimedIdentity, ip: string | null): Promise<void> {
  await mutateNode(deps, node.id, (n, at) => ({ node: bump(n, { conflict: reason }, at), events: [{ kind: 'identity-conflict', data: { reason, claim, ip } }] }));
  deps.logger.warn('identity conflict', { node: node.id, reason, ip });
}

/** Folds every later candidate into the oldest (a `merged` event each); returns the survivor. */
export async function mergeCandidates(deps: CoreDeps, claim: ClaimedIdentity, candidates: Node[]): Promise<Node> {
  const at = deps.now().toISOString();
  let survivor = candidates[0]!;
  for (const absorbed of candidates.slice(1)) {
    const merged = bump(mergeRecords(survivor, absorbed), {}, at);
    const data = { absorbed: absorbed.id, absorbedIdentity: absorbed.identity, claim };
    survivor = await deps.store.mergeNodes(merged, survivor.version, absorbed.id, absorbed.version, [{ kind: 'merged', data }], at);
    deps.logger.info('merged node records', { node: survivor.id, absorbed: absorbed.id });
  }
  return survivor;
}
