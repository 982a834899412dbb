// Applying lifecycle events to stored nodes: validation that needs the store
// (images, inventory), compare-and-set, transition events, then effects.
import { VersionMismatchError, ValidationError } from '../errors.js';
import { agentStates, transition, type Effect, type LifecycleEvent } from '../domain/lifecycle.js';
import type { Node } from '../domain/node.js';
import type { Target } from '../domain/targets.js';
import type { PowerService } from '../power/power.js';
import type { NewEvent } from '../store/store.js';
import { mutateNode, type CoreDeps } from './deps.js';
import type { RootsHooks } from './root-actions.js';
import { checkInstallDisk, checkKernel } from './target-checks.js';

/** Core deps plus power control, and per-node roots when configured. */
export type LifecycleDeps = CoreDeps & { power: PowerService; roots?: RootsHooks };

async function checkImage(deps: CoreDeps, name: string | undefined, path: string, needDisk: boolean): Promise<void> {
  if (name === undefined) return;
  const found = await deps.store.getImage(name);
  if (!found) throw new ValidationError(`${path}.image: no image named '${name}'`, [{ path: `${path}.image`, message: `no image named '${name}'` }]);
  if (needDisk && !found.disk) throw new ValidationError(`${path}.image: image '${name}' has no disk to install`, [{ path: `${path}.image`, message: 'image has no disk (url, sha256) to install' }]);
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
  await checkImage(deps, target.image, 'target', target.kind === 'install');
  if (target.kind === 'install') {
    // An install's usb-root learns its PARTUUID from the installer's report.
    if (target.then.kind !== 'local') await checkImage(deps, target.then.image, 'target.then', false);
    return target;
  }
  if (target.kind !== 'usb-root' || target.partuuid) return target;
  const partuuid = guessRootPartuuid(node);
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

/** Applies `event` to node `id` (CAS against `expectedVersion` when given), records it, and carries out its effects. */
export async function applyLifecycle(deps: LifecycleDeps, id: string, event: LifecycleEvent, opts: { expectedVersion?: number; events?: NewEvent[]; patch?: Partial<Node> | ((n: Node) => Partial<Node>) } = {}): Promise<Node> {
  let effects: Effect[] = [];
  let before: Node | null = null;
  const prepared = event.type === 'assign' && deps.roots ? await deps.roots.prepare(id, event.target) : null;
  const rootPatch = prepared ? { root: prepared.root } : {};
  const stored = await mutateNode(deps, id, (node, at) => {
    if (opts.expectedVersion !== undefined && node.version !== opts.expectedVersion) throw new VersionMismatchError(node.version, opts.expectedVersion);
    const result = transition(node, event, at);
    effects = result.effects;
    before = node;
    const next = { ...result.node, ...(typeof opts.patch === 'function' ? opts.patch(node) : opts.patch), ...rootPatch };
    const data: Record<string, unknown> = { event: event.type, from: node.state, to: next.state };
    if (event.type === 'assign') data.target = event.target;
    if (event.type === 'install-failed') data.message = event.message;
    return { node: next, events: [{ kind: 'transition', data }, ...(opts.events ?? []), ...(prepared ? [{ kind: 'root', data: { provider: prepared.root.provider, path: prepared.root.path, image: prepared.root.image } }] : [])] };
  }).catch(async (err: unknown) => {
    await prepared?.undo();
    throw err;
  });
  if (stored.root && deps.roots) await deps.roots.changed(stored);
  if (before) await runEffects(deps, stored, effects);
  // The exports sync may have stored the export's state on the node since.
  return (stored.root && deps.roots && (await deps.store.getNode(id))) || stored;
}

async function runEffects(deps: LifecycleDeps, node: Node, effects: Effect[]): Promise<void> {
  for (const effect of effects) {
    const op = effect.kind === 'power-off' ? 'power-off' : 'power-cycle';
    const result = await deps.power.run(node, op);
    await deps.store.appendEvents(node.id, [{ kind: 'power', data: { op, reason: effect.reason, done: result.done, detail: result.detail } }], deps.now().toISOString());
    if (!result.done) deps.logger.info('power effect not carried out', { node: node.id, op, detail: result.detail });
  }
}

/** True if the node is running bootherd's agent and will pick up pending actions. */
export function runsAgent(node: Node): boolean {
  return agentStates.has(node.state);
}
