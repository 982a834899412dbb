// Admin use cases on nodes: list, show, rename/label, set target, actions, events.
import { BadGatewayError, ConflictError, VersionMismatchError } from '../errors.js';
import type { LifecycleEvent } from '../domain/lifecycle.js';
import type { Node } from '../domain/node.js';
import type { WatchdogOverride } from '../domain/wedge.js';
import type { Target } from '../domain/targets.js';
import type { NodeFilter, StoredEvent } from '../store/store.js';
import { bump, mutateNode, resolveNode } from './deps.js';
import { applyLifecycle, completeTarget, runsAgent, type LifecycleDeps } from './lifecycle-ops.js';
import type { PowerEvent } from './power.js';

/** Actions an operator can ask for. */
export const nodeActions = ['rescue', 'end-rescue', 'reboot', 'power-on', 'power-off', 'power-cycle', 'retire', 'reset'] as const;
/** One action name. */
export type NodeAction = (typeof nodeActions)[number];

type PowerAction = 'reboot' | 'power-on' | 'power-off' | 'power-cycle';

/** A PATCH body: JSON merge-patch semantics, a null label value removes the label. */
export interface NodePatch {
  hostname?: string | null;
  labels?: Record<string, string | null>;
  watchdog?: WatchdogOverride | null;
}

/** How an action reached the node. */
export interface ActionResult {
  node: Node;
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
  setTarget(ref: string, target: Target, ifMatch?: number): Promise<Node>;
  action(ref: string, action: NodeAction, ifMatch?: number): Promise<ActionResult>;
  events(ref: string, opts: { limit?: number; afterId?: number }): Promise<StoredEvent[]>;
}

const lifecycleActions: Partial<Record<NodeAction, LifecycleEvent>> = {
  rescue: { type: 'rescue' },
  'end-rescue': { type: 'end-rescue' },
  retire: { type: 'retire' },
  reset: { type: 'reset' },
};

/** Creates the admin node service. */
export function createNodeService(deps: LifecycleDeps): NodeService {
  const checkVersion = (node: Node, ifMatch?: number) => {
    if (ifMatch !== undefined && node.version !== ifMatch) throw new VersionMismatchError(node.version, ifMatch);
  };

  async function powerAction(node: Node, action: PowerAction, ifMatch?: number): Promise<ActionResult> {
    const agentOp = action === 'reboot' ? 'reboot' : action === 'power-off' ? 'poweroff' : null;
    if (agentOp && runsAgent(node)) {
      const stored = await mutateNode(deps, node.id, (n, at) => {
        checkVersion(n, ifMatch);
        return { node: bump(n, { pendingAction: agentOp }, at), events: [{ kind: 'action', data: { action, delivery: 'agent' } }] };
      });
      return { node: stored, delivery: 'agent', detail: `the node's agent will ${agentOp} at its next poll` };
    }
    if (!deps.power.canControl(node)) throw new ConflictError(`${action}: node ${node.id} is in state '${node.state}' (no agent polling) and has no power driver configured`, 'no-power-driver');
    checkVersion(node, ifMatch);
    const op = action === 'power-on' ? 'on' : action === 'power-off' ? 'off' : 'cycle';
    const event = await deps.power.run(node, op, `action ${action}`);
    if (event.outcome === 'failed') throw new BadGatewayError(`${action}: ${event.detail}`, 'power-failed', { power: event });
    return { node: (await deps.store.getNode(node.id)) ?? node, delivery: 'power', detail: event.detail, power: event };
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
        return { node: bump(n, { hostname, labels, watchdog }, at), events: [{ kind: 'updated', data: { ...patch } }] };
      });
    },
    async setTarget(ref, target, ifMatch) {
      const node = await resolveNode(deps.store, ref);
      checkVersion(node, ifMatch);
      const complete = await completeTarget(deps, node, target);
      return applyLifecycle(deps, node.id, { type: 'assign', target: complete }, { expectedVersion: ifMatch });
    },
    async action(ref, action, ifMatch) {
      const node = await resolveNode(deps.store, ref);
      const event = lifecycleActions[action];
      if (!event) return powerAction(node, action as PowerAction, ifMatch);
      const stored = await applyLifecycle(deps, node.id, event, { expectedVersion: ifMatch, ...(event.type === 'end-rescue' ? {} : { patch: { pendingAction: null } }) });
      return { node: stored, delivery: 'state', detail: `node is now '${stored.state}'` };
    },
    async events(ref, opts) {
      const node = await resolveNode(deps.store, ref);
      return deps.store.listEvents(node.id, opts);
    },
  };
}
