// Admin use cases on nodes: list, show, rename/label, set target, actions, events.
import { ConflictError, VersionMismatchError } from '../errors.js';
import type { LifecycleEvent } from '../domain/lifecycle.js';
import type { Node } from '../domain/node.js';
import type { Target } from '../domain/targets.js';
import type { NodeFilter, StoredEvent } from '../store/store.js';
import { bump, mutateNode, resolveNode } from './deps.js';
import { applyLifecycle, completeTarget, runsAgent, type LifecycleDeps } from './lifecycle-ops.js';
import type { RootActions } from './root-actions.js';

/** Actions an operator can ask for. */
export const nodeActions = ['rescue', 'end-rescue', 'reboot', 'power-on', 'power-off', 'retire', 'reset', 'reprovision-root'] as const;
/** One action name. */
export type NodeAction = (typeof nodeActions)[number];

/** A PATCH body: JSON merge-patch semantics, a null label value removes the label. */
export interface NodePatch {
  hostname?: string | null;
  labels?: Record<string, string | null>;
}

/** Options an action body may carry: `force` (reprovision-root while booted), `wipe` (retire: remove the node's root too). */
export interface ActionOptions {
  force?: boolean;
  wipe?: boolean;
}

/** How an action reached the node. */
export interface ActionResult {
  node: Node;
  delivery: 'state' | 'agent' | 'power';
  detail: string;
}

/** The admin node service. */
export interface NodeService {
  list(filter: NodeFilter): Promise<Node[]>;
  get(ref: string): Promise<Node>;
  patch(ref: string, patch: NodePatch, ifMatch?: number): Promise<Node>;
  setTarget(ref: string, target: Target, ifMatch?: number): Promise<Node>;
  action(ref: string, action: NodeAction, ifMatch?: number, opts?: ActionOptions): Promise<ActionResult>;
  events(ref: string, opts: { limit?: number; afterId?: number }): Promise<StoredEvent[]>;
}

const lifecycleActions: Partial<Record<NodeAction, LifecycleEvent>> = {
  rescue: { type: 'rescue' },
  'end-rescue': { type: 'end-rescue' },
  retire: { type: 'retire' },
  reset: { type: 'reset' },
};

/** Creates the admin node service. */
export function createNodeService(deps: LifecycleDeps & { rootActions?: RootActions }): NodeService {
  const checkVersion = (node: Node, ifMatch?: number) => {
    if (ifMatch !== undefined && node.version !== ifMatch) throw new VersionMismatchError(node.version, ifMatch);
  };

  async function powerAction(node: Node, action: 'reboot' | 'power-on' | 'power-off', ifMatch?: number): Promise<ActionResult> {
    const agentOp = action === 'reboot' ? 'reboot' : action === 'power-off' ? 'poweroff' : null;
    if (agentOp && runsAgent(node)) {
      const stored = await mutateNode(deps, node.id, (n, at) => {
        checkVersion(n, ifMatch);
        return { node: bump(n, { pendingAction: agentOp }, at), events: [{ kind: 'action', data: { action, delivery: 'agent' } }] };
      });
      return { node: stored, delivery: 'agent', detail: `the node's agent will ${agentOp} at its next poll` };
    }
    const op = action === 'reboot' ? 'power-cycle' : action;
    if (!deps.power.canControl(node)) throw new ConflictError(`${action}: node ${node.id} is in state '${node.state}' (no agent polling) and has no power driver configured`, 'no-power-driver');
    checkVersion(node, ifMatch);
    const result = await deps.power.run(node, op);
    await deps.store.appendEvents(node.id, [{ kind: 'power', data: { op, reason: `action ${action}`, done: result.done, detail: result.detail } }], deps.now().toISOString());
    if (!result.done) throw new ConflictError(`${action}: ${result.detail}`, 'power-failed');
    return { node: (await deps.store.getNode(node.id)) ?? node, delivery: 'power', detail: result.detail };
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
        return { node: bump(n, { hostname, labels }, at), events: [{ kind: 'updated', data: { ...patch } }] };
      });
    },
    async setTarget(ref, target, ifMatch) {
      const node = await resolveNode(deps.store, ref);
      checkVersion(node, ifMatch);
      const complete = await completeTarget(deps, node, target);
      return applyLifecycle(deps, node.id, { type: 'assign', target: complete }, { expectedVersion: ifMatch });
    },
    async action(ref, action, ifMatch, opts = {}) {
      const node = await resolveNode(deps.store, ref);
      if (action === 'reprovision-root') {
        checkVersion(node, ifMatch);
        if (!deps.rootActions) throw new ConflictError('reprovision-root: per-node roots are not configured', 'no-root');
        const stored = await deps.rootActions.reprovision(node, opts.force === true);
        return { node: stored, delivery: 'state', detail: `root ${stored.root?.path ?? ''} made again from image '${stored.root?.image ?? ''}'` };
      }
      const event = lifecycleActions[action];
      if (!event) return powerAction(node, action as 'reboot' | 'power-on' | 'power-off', ifMatch);
      let stored = await applyLifecycle(deps, node.id, event, { expectedVersion: ifMatch, patch: { pendingAction: null } });
      if (action === 'retire' && opts.wipe && deps.rootActions) stored = await deps.rootActions.wipe(stored);
      return { node: stored, delivery: 'state', detail: `node is now '${stored.state}'${action === 'retire' && opts.wipe && node.root ? `; root ${node.root.path} removed` : ''}` };
    },
    async events(ref, opts) {
      const node = await resolveNode(deps.store, ref);
      return deps.store.listEvents(node.id, opts);
    },
  };
}
