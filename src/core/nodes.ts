// Admin use cases on nodes: list, show, rename/label, set target, actions, events.
import { BadGatewayError, ConflictError, NotFoundError, ValidationError, VersionMismatchError } from '../errors.js';
import type { LifecycleEvent } from '../domain/lifecycle.js';
import type { Node } from '../domain/node.js';
import type { WatchdogOverride } from '../domain/wedge.js';
import type { Target } from '../domain/targets.js';
import type { NodeEventQuery, NodeFilter, StoredEvent } from '../store/store.js';
import { bump, mutateNode, resolveNode } from './deps.js';
import { applyLifecycleWithEffects, completeTarget, runsAgent, type EffectOutcome, type LifecycleDeps } from './lifecycle-ops.js';
import type { PowerEvent } from './power.js';
import type { RootActions } from './root-actions.js';

/** Actions an operator can ask for. */
export const nodeActions = ['rescue', 'end-rescue', 'reboot', 'power-on', 'power-off', 'power-cycle', 'retire', 'reset', 'reprovision-root'] as const;
/** One action name. */
export type NodeAction = (typeof nodeActions)[number];

type PowerAction = 'reboot' | 'power-on' | 'power-off' | 'power-cycle';

/** A PATCH body: JSON merge-patch semantics, a null label value removes the label. */
export interface NodePatch {
  hostname?: string | null;
  labels?: Record<string, string | null>;
  watchdog?: WatchdogOverride | null;
}

/** One identity to drop from a node (exactly one field set, normalised). */
export type IdentityRelease = { mac: string } | { serial: string } | { uuid: string };

/** A change and what became of its effects (power cycles nobody carried out say so in `notice`). */
export interface ChangeResult {
  node: Node;
  effects: EffectOutcome[];
}

/** How an action reached the node. */
/** Options an action body may carry: `force` (reprovision-root while booted), `wipe` (retire: remove the node's root too). */
export interface ActionOptions {
  force?: boolean;
  wipe?: boolean;
}

/** How an action reached the node. */
export interface ActionResult extends ChangeResult {
  delivery: 'state' | 'agent' | 'power';
  detail: string;
  /** The power event, when a power driver carried the action out. */
  power?: PowerEvent;
}

/** The admin node service. */
export interface NodeService {
  list(filter: NodeFilter): Promise<Node[]>;
  get(ref: string): Promise<Node>;
  patch(ref: string, patch: NodePatch, ifMatch?: number): Promise<Node>;
  setTarget(ref: string, target: Target, ifMatch?: number): Promise<ChangeResult>;
  action(ref: string, action: NodeAction, ifMatch?: number, opts?: ActionOptions): Promise<ActionResult>;
  events(ref: string, opts: NodeEventQuery): Promise<StoredEvent[]>;
  /** Deletes a node: refused unless it is retired or `force`; its events stay, ending with `deleted`. */
  remove(ref: string, opts: { force: boolean; ifMatch?: number }): Promise<void>;
  /** Drops a stale MAC, serial or UUID from a node (clearing an identity conflict), so that the board can enroll again. */
  releaseIdentity(ref: string, release: IdentityRelease, ifMatch?: number): Promise<Node>;
}

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The node without `release`; ValidationError if it does not hold it. */
function withoutIdentity(n: Node, release: IdentityRelease): Node['identity'] {
  const id = n.identity;
  if ('mac' in release && id.macs.includes(release.mac)) return { ...id, macs: id.macs.filter((m) => m !== release.mac) };
  if ('serial' in release && id.serial === release.serial) return { ...id, serial: null };
  if ('uuid' in release && id.uuid === release.uuid) return { ...id, uuid: null };
  const [key, value] = Object.entries(release)[0]!;
  throw new ValidationError(`release-identity: node ${n.id} does not hold ${key} ${value}`, [{ path: key, message: `node ${n.id} does not hold this ${key}` }]);
}

const lifecycleActions: Partial<Record<NodeAction, LifecycleEvent>> = {
  rescue: { type: 'rescue' },
  'end-rescue': { type: 'end-rescue' },
  retire: { type: 'retire' },
  reset: { type: 'reset' },
};

// An operator's change: a node enrolled by a boot request is no longer pending (it never expires).
const touched = { pending: false };

/** Creates the admin node service. */
export function createNodeService(deps: LifecycleDeps & { rootActions?: RootActions }): NodeService {
  const checkVersion = (node: Node, ifMatch?: number) => {
    if (ifMatch !== undefined && node.version !== ifMatch) throw new VersionMismatchError(node.version, ifMatch);
  };

  async function powerAction(node: Node, action: PowerAction, ifMatch?: number): Promise<ActionResult> {
    const agentOp = action === 'reboot' ? 'reboot' : action === 'power-off' ? 'poweroff' : null;
    if (agentOp && runsAgent(node)) {
      const stored = await mutateNode(deps, node.id, (n, at) => {
        checkVersion(n, ifMatch);
        return { node: bump(n, { pendingAction: agentOp, ...touched }, at), events: [{ kind: 'action', data: { action, delivery: 'agent' } }] };
      });
      return { node: stored, effects: [], delivery: 'agent', detail: `the node's agent will ${agentOp} at its next poll` };
    }
    await deps.power.refresh();
    if (!deps.power.canControl(node)) throw new ConflictError(`${action}: node ${node.id} is in state '${node.state}' (no agent polling) and has no power driver configured`, 'no-power-driver');
    checkVersion(node, ifMatch);
    if (node.pending) await mutateNode(deps, node.id, (n, at) => ({ node: bump(n, touched, at), events: [] }));
    const op = action === 'power-on' ? 'on' : action === 'power-off' ? 'off' : 'cycle';
    const event = await deps.power.run(node, op, `action ${action}`);
    if (event.outcome === 'failed') throw new BadGatewayError(`${action}: ${event.detail}`, 'power-failed', { power: event });
    return { node: (await deps.store.getNode(node.id)) ?? node, effects: [], delivery: 'power', detail: event.detail, power: event };
  }

  return {
    list: (filter) => deps.store.listNodes(filter),
    get: (ref) => resolveNode(deps.store, ref),
    async patch(ref, patch, ifMatch) {
      const node = await resolveNode(deps.store, ref);
      return mutateNode(deps, node.id, (n, at) => {
        checkVersion(n, ifMatch);
        const labels = { ...n.labels };
        for (const [k, v] of Object.entries(patch.labels ?? {})) {
          if (v === null) delete labels[k];
          else labels[k] = v;
        }
        const hostname = patch.hostname === undefined ? n.hostname : patch.hostname;
        const watchdog = patch.watchdog === undefined ? (n.watchdog ?? null) : patch.watchdog;
        return { node: bump(n, { hostname, labels, watchdog, ...touched }, at), events: [{ kind: 'updated', data: { ...patch } }] };
      });
    },
    async setTarget(ref, target, ifMatch) {
      const node = await resolveNode(deps.store, ref);
      checkVersion(node, ifMatch);
      const complete = await completeTarget(deps, node, target);
      return applyLifecycleWithEffects(deps, node.id, { type: 'assign', target: complete }, { expectedVersion: ifMatch, patch: touched });
    },
    async action(ref, action, ifMatch, opts = {}) {
      const node = await resolveNode(deps.store, ref);
      if (action === 'reprovision-root') {
        checkVersion(node, ifMatch);
        if (!deps.rootActions) throw new ConflictError('reprovision-root: per-node roots are not configured', 'no-root');
        const stored = await deps.rootActions.reprovision(node, opts.force === true);
        return { node: stored, effects: [], delivery: 'state', detail: `root ${stored.root?.path ?? ''} made again from image '${stored.root?.image ?? ''}'` };
      }
      const event = lifecycleActions[action];
      if (!event) return powerAction(node, action as PowerAction, ifMatch);
      const patch = event.type === 'end-rescue' ? touched : { pendingAction: null, ...touched };
      let { node: stored, effects } = await applyLifecycleWithEffects(deps, node.id, event, { expectedVersion: ifMatch, patch });
      const wiped = action === 'retire' && opts.wipe && deps.rootActions && node.root;
      if (wiped) stored = await deps.rootActions!.wipe(stored);
      return { node: stored, effects, delivery: 'state', detail: `node is now '${stored.state}'${wiped ? `; root ${node.root!.path} removed` : ''}` };
    },
    async events(ref, opts) {
      try {
        return await deps.store.listEvents((await resolveNode(deps.store, ref)).id, opts);
      } catch (err) {
        // A deleted node's events stay readable by its id.
        const kept = err instanceof NotFoundError && uuidRe.test(ref) ? await deps.store.listEvents(ref, opts) : [];
        if (kept.length === 0) throw err;
        return kept;
      }
    },
    async remove(ref, opts) {
      for (let attempt = 0; ; attempt++) {
        const node = await resolveNode(deps.store, ref);
        checkVersion(node, opts.ifMatch);
        if (node.state !== 'retired' && !opts.force) {
          throw new ConflictError(`delete: node ${node.id} is '${node.state}', not 'retired': retire it first (action retire), or delete with ?force=true`, 'not-retired');
        }
        const data = { state: node.state, hostname: node.hostname, identity: node.identity, force: opts.force };
        try {
          await deps.store.deleteNode(node.id, node.version, [{ kind: 'deleted', data }], deps.now().toISOString());
          deps.logger.info('deleted node', { node: node.id, ...data });
          return;
        } catch (err) {
          if (!(err instanceof VersionMismatchError) || opts.ifMatch !== undefined || attempt >= 3) throw err;
        }
      }
    },
    async releaseIdentity(ref, release, ifMatch) {
      const node = await resolveNode(deps.store, ref);
      return mutateNode(deps, node.id, (n, at) => {
        checkVersion(n, ifMatch);
        const identity = withoutIdentity(n, release);
        return { node: bump(n, { identity, conflict: null, ...touched }, at), events: [{ kind: 'identity-released', data: { ...release, conflictCleared: Boolean(n.conflict) } }] };
      });
    },
  };
}
