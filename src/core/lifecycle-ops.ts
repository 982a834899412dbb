// Applying lifecycle events to stored nodes: validation that needs the store
// (images, inventory), compare-and-set, transition events, then effects.
import { VersionMismatchError, ValidationError } from '../errors.js';
import { agentStates, transition, type Effect, type LifecycleEvent } from '../domain/lifecycle.js';
import { imageArchesFor } from '../domain/images.js';
import type { Node, NodeRoot } from '../domain/node.js';
import { installedRootPartuuid, type Target } from '../domain/targets.js';
import type { PowerService } from './power.js';
import type { NewEvent } from '../store/store.js';
import { mutateNode, type CoreDeps } from './deps.js';
import type { RootsHooks } from './root-actions.js';
import { checkInstallDisk, checkKernel } from './target-checks.js';

/** Core deps plus power control, and per-node roots when configured. */
export type LifecycleDeps = CoreDeps & { power: PowerService; roots?: RootsHooks };

async function checkImage(deps: CoreDeps, node: Node, name: string | undefined, path: string, needDisk: boolean): Promise<void> {
  if (name === undefined) return;
  const found = await deps.store.getImage(name);
  const refuse = (message: string) => new ValidationError(`${path}.image: ${message}`, [{ path: `${path}.image`, message }]);
  if (!found) throw refuse(`no image named '${name}'`);
  if (needDisk && !found.disk) throw refuse(`image '${name}' has no disk (url, sha256) to install`);
  const runs = imageArchesFor(node.hardware.arch);
  if (found.arch && runs && !runs.includes(found.arch)) {
    throw refuse(`image '${name}' is for ${found.arch} but node ${node.hostname ?? node.id} is ${node.hardware.arch} (it runs ${runs.length ? runs.join(' or ') : 'none of arm64, armhf, amd64'})`);
  }
}

/** Completes and checks a target against the node and the image catalogue; ValidationError naming the field otherwise. */
export async function completeTarget(deps: LifecycleDeps, node: Node, target: Target): Promise<Target> {
  const done = await completeTargetOnly(deps, node, target);
  if (deps.settings.firmwareDir !== undefined) await checkKernel(deps.store, { firmwareDir: deps.settings.firmwareDir, assetsDir: deps.settings.assetsDir }, node, done);
  checkInstallDisk(node, done);
  if (done.kind === 'nfs-root') return deps.roots ? deps.roots.complete(node, done) : { ...done, path: requirePath(done.path) };
  if (done.kind === 'install' && done.then.kind === 'nfs-root') return { ...done, then: deps.roots ? await deps.roots.complete(node, done.then, 'target.then') : { ...done.then, path: requirePath(done.then.path) } };
  return done;
}

function requirePath(p: string | undefined): string {
  if (!p) throw new ValidationError('target.path: required (per-node roots are not configured)', [{ path: 'target.path', message: 'required' }]);
  return p;
}

async function completeTargetOnly(deps: CoreDeps, node: Node, target: Target): Promise<Target> {
  if (target.kind === 'local') return target;
  await checkImage(deps, node, target.image, 'target', target.kind === 'install');
  if (target.kind === 'install') {
    // An install's usb-root learns its PARTUUID from the installer's report.
    if (target.then.kind !== 'local') await checkImage(deps, node, target.then.image, 'target.then', false);
    return target;
  }
  if (target.kind !== 'usb-root' || target.partuuid) return target;
  // What the installer wrote wins over an inventory taken before the install.
  const partuuid = (node.installed ? installedRootPartuuid(node.installed.partitions) : null) ?? guessRootPartuuid(node);
  if (!partuuid) {
    throw new ValidationError('target.partuuid: required: the node\'s inventory has no single ext4 partition on a USB disk', [{ path: 'target.partuuid', message: 'required: no single ext4 partition on a USB disk in the inventory' }]);
  }
  return { ...target, partuuid };
}

function guessRootPartuuid(node: Node): string | null {
  const parts = node.hardware.disks
    .filter((d) => d.transport === 'usb' || d.removable === true)
    .flatMap((d) => d.partitions)
    .filter((p) => p.fstype === 'ext4' && p.partuuid);
  const labelled = parts.filter((p) => p.label === 'rootfs');
  const pick = labelled.length === 1 ? labelled : parts;
  return pick.length === 1 ? (pick[0]!.partuuid ?? null) : null;
}

/** A lifecycle change worked out in memory: the next node, the events to record with it, the effects to carry out once stored. */
export interface PlannedChange {
  node: Node;
  events: NewEvent[];
  effects: Effect[];
}

/** Options of a lifecycle change: extra events, and a patch applied after the transition. */
export interface LifecycleOpts {
  events?: NewEvent[];
  patch?: Partial<Node> | ((n: Node) => Partial<Node>);
}

/** Works out `event` on `node` without storing anything; InvalidTransitionError if its state refuses it. */
export function planLifecycle(node: Node, event: LifecycleEvent, at: string, opts: LifecycleOpts = {}): PlannedChange {
  const result = transition(node, event, at);
  const next = { ...result.node, ...(typeof opts.patch === 'function' ? opts.patch(node) : opts.patch) };
  const data: Record<string, unknown> = { event: event.type, from: node.state, to: next.state };
  if (event.type === 'assign') data.target = event.target;
  if (event.type === 'install-failed') data.message = event.message;
  return { node: next, events: [{ kind: 'transition', data }, ...(opts.events ?? [])], effects: result.effects };
}

/** What became of one effect; `notice` tells the operator what to do by hand when nobody carried it out. */
export interface EffectOutcome {
  op: 'power-cycle' | 'power-off';
  reason: string;
  done: boolean;
  detail: string;
  notice?: string;
}

/** Applies `event` to node `id` (CAS against `expectedVersion` when given), records it, and carries out its effects. */
export async function applyLifecycle(deps: LifecycleDeps, id: string, event: LifecycleEvent, opts: LifecycleOpts & { expectedVersion?: number } = {}): Promise<Node> {
  return (await applyLifecycleWithEffects(deps, id, event, opts)).node;
}

/** applyLifecycle, also answering what became of each effect. */
export async function applyLifecycleWithEffects(deps: LifecycleDeps, id: string, event: LifecycleEvent, opts: LifecycleOpts & { expectedVersion?: number } = {}): Promise<{ node: Node; effects: EffectOutcome[] }> {
  let effects: Effect[] = [];
  // An nfs-root assignment makes the node's root first; a change that is then refused removes it again.
  const prepared = event.type === 'assign' && deps.roots ? await deps.roots.prepare(id, event.target) : null;
  const stored = await mutateNode(deps, id, (node, at) => {
    if (opts.expectedVersion !== undefined && node.version !== opts.expectedVersion) throw new VersionMismatchError(node.version, opts.expectedVersion);
    const planned = planLifecycle(node, event, at, opts);
    effects = planned.effects;
    return prepared ? withRoot(planned, prepared.root) : planned;
  }).catch(async (err: unknown) => {
    await prepared?.undo();
    throw err;
  });
  if (stored.root && deps.roots) await deps.roots.changed(stored);
  const outcomes = await runEffects(deps, stored, effects);
  // The exports sync may have stored the export's state on the node since.
  return { node: (stored.root && deps.roots && (await deps.store.getNode(id))) || stored, effects: outcomes };
}

/** A planned change with the root made for it, and the `root` event. */
export function withRoot(planned: PlannedChange, root: NodeRoot): PlannedChange {
  return { ...planned, node: { ...planned.node, root }, events: [...planned.events, { kind: 'root', data: { provider: root.provider, path: root.path, image: root.image } }] };
}

/** Carries out a stored change's effects (power), recording each as a `power` event. */
export async function runEffects(deps: LifecycleDeps, node: Node, effects: Effect[]): Promise<EffectOutcome[]> {
  const outcomes: EffectOutcome[] = [];
  for (const effect of effects) {
    const op = effect.kind === 'power-off' ? 'power-off' : 'power-cycle';
    // The power service records every request as a `power` event, carried out or not.
    const event = await deps.power.run(node, op === 'power-off' ? 'off' : 'cycle', effect.reason);
    const result = { done: event.outcome === 'ok', detail: event.detail };
    const outcome: EffectOutcome = { op, reason: effect.reason, done: result.done, detail: result.detail };
    if (!result.done) {
      const todo = op === 'power-off' ? 'power the node off yourself' : effect.kind === 'power-cycle' && effect.agentPolls ? "its agent takes the change at its next poll; if the node does not answer, reboot it yourself" : 'reboot the node yourself so that it boots what it should now';
      outcome.notice = event.outcome === 'manual' ? `manual power control: ${result.detail}` : deps.power.canControl(node) ? `${op} failed (${result.detail}): ${todo}` : `no power driver: ${todo}`;
      deps.logger.info('power effect not carried out', { node: node.id, op, detail: result.detail });
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

/** True if the node is running bootherd's agent and will pick up pending actions. */
export function runsAgent(node: Node): boolean {
  return agentStates.has(node.state);
}
