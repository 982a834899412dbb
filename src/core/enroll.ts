// Zero-touch enrollment: the first time a serial, MAC or UUID is seen (TFTP,
// iPXE or a discovery report) a node is created in state `new`.
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../errors.js';
import { emptyHardware, type Node } from '../domain/node.js';
import { newToken, type CoreDeps } from './deps.js';

/** The identity a boot request carries. */
export type SeenIdentity = { serial: string } | { mac: string } | { uuid: string };

/** A new node record in state `new` with the given identities. */
export function newNode(ids: { serial?: string | null; macs?: string[]; uuid?: string | null }, at: string, ip: string | null): Node {
  return {
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
  };
}

/**
 * Finds the node a boot request names, enrolling a `new` one if unknown (pending until it reports or an operator
 * touches it); records a `seen` event with the client IP when enrolling. The enrollment gate may refuse to
 * create one: TooManyRequestsError, which TFTP answers as file-not-found and HTTP as 429.
 */
export async function findOrEnroll(deps: CoreDeps, id: SeenIdentity, ctx: { ip: string | null; via: string }): Promise<{ node: Node; created: boolean }> {
  const found = await deps.store.findNode(id);
  if (found) return { node: found, created: false };
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
}
