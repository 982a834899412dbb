// Operator actions on a node's root: reprovision it from its image (refused
// while the node is booted from it unless forced) and remove it (retire with
// wipe); plus the hooks the lifecycle calls on every assignment.
import { ConflictError } from '../errors.js';
import type { Node } from '../domain/node.js';
import type { NfsRootTarget, Target } from '../domain/targets.js';
import { bump, mutateNode } from './deps.js';
import type { ExportsSync } from './exports-sync.js';
import type { PreparedRoot, RootsDeps, RootsService } from './roots.js';

/** What the lifecycle asks of the roots capability. */
export interface RootsHooks {
  complete(node: Node, t: NfsRootTarget, field?: string): Promise<NfsRootTarget>;
  prepare(nodeId: string, target: Target): Promise<PreparedRoot | null>;
  /** A node change was stored: bring the exports up to date if it matters to them. */
  changed(node: Node): Promise<void>;
  /** Makes the root a stored target calls for, if the node has none yet (a rule's target on a first inventory). */
  ensure(node: Node): Promise<Node>;
}

/** True while the node runs from its root: deployed, and booted since the root was made. */
export function bootedFromRoot(node: Node): boolean {
  return node.state === 'deployed' && !!node.root && !!node.lastBoot && node.lastBoot.startedAt >= node.root.createdAt;
}

/** Creates the root actions and lifecycle hooks. */
export function createRootActions(deps: RootsDeps & { roots: RootsService; exports: ExportsSync }) {
  const { roots, exports } = deps;

  async function reprovision(node: Node, force: boolean): Promise<Node> {
    const t = node.target?.kind === 'nfs-root' ? node.target : null;
    const image = await roots.goldenOf(t?.image);
    if (!t || !node.root || !image) throw new ConflictError(`reprovision-root: node ${node.id} has no root made by bootherd (assign an nfs-root target with an image that has a rootDir)`, 'no-root');
    if (bootedFromRoot(node) && !force) throw new ConflictError(`reprovision-root: node ${node.id} is booted from ${node.root.path}; power it off first or pass { "force": true }`, 'root-in-use');
    const old = node.root;
    return roots.serial(node.id, async () => {
      const provider = await deps.provider();
      await provider.remove(old.path);
      const root = await roots.make(node, { ...t, path: old.path }, image, old.exportId ?? 100, roots.events(node.id));
      const stored = await mutateNode(deps, node.id, (n, at) => ({ node: bump(n, { root: { ...root, exported: false, exportedTo: null } }, at), events: [{ kind: 'root-reprovisioned', data: { path: root.path, image: root.image, provider: root.provider, force } }] }));
      await exports.sync();
      return (await deps.store.getNode(node.id)) ?? stored;
    });
  }

  async function wipe(node: Node): Promise<Node> {
    const root = node.root;
    if (!root) return node;
    await exports.sync();
    await roots.serial(node.id, async () => (await deps.provider()).remove(root.path));
    return mutateNode(deps, node.id, (n, at) => ({ node: bump(n, { root: null }, at), events: [{ kind: 'root-wiped', data: { path: root.path } }] }));
  }

  const hooks: RootsHooks = {
    complete: (node, t, field) => roots.complete(node, t, field),
    prepare: (nodeId, target) => roots.prepare(nodeId, target),
    async changed(node) {
      if (node.root) await exports.sync();
    },
    async ensure(node) {
      if (!node.target) return node;
      const prepared = await roots.prepare(node.id, node.target, { stored: true });
      if (!prepared || prepared.root === node.root) return node;
      const root = prepared.root;
      await mutateNode(deps, node.id, (n, at) => ({ node: bump(n, { root }, at), events: [{ kind: 'root', data: { provider: root.provider, path: root.path, image: root.image } }] })).catch(async (err: unknown) => {
        await prepared.undo();
        throw err;
      });
      await exports.sync();
      return (await deps.store.getNode(node.id)) ?? node;
    },
  };

  return { reprovision, wipe, hooks };
}

/** The root actions. */
export type RootActions = ReturnType<typeof createRootActions>;
