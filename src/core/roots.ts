// Per-node NFS roots (DESIGN §9): complete an nfs-root target (path under
// roots.dir, server = the advertise address), make the root from the image's
// golden root through a provider, render the per-node files into it, and
// remove it again (reprovision, retire with wipe). Exports: core/exports-sync.ts.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, ValidationError } from '../errors.js';
import type { Image } from '../domain/images.js';
import { transition } from '../domain/lifecycle.js';
import type { Node, NodeRoot } from '../domain/node.js';
import { freeExportId, isInside, rootName } from '../domain/roots.js';
import type { NfsRootTarget, Target } from '../domain/targets.js';
import { resolveInRoot, writeFileAtomic, type RootProvider } from '../roots/index.js';
import type { RootFile } from '../templates/rootfs.js';
import { hashToken, newToken, type CoreDeps } from './deps.js';

/** What the roots service needs. */
export interface RootsDeps extends CoreDeps {
  dir: string;
  provider: () => Promise<RootProvider>;
  advertise: () => string;
  /** The per-node files for a root, rendered from boot-templates/rootfs/. */
  renderFiles: (context: Record<string, unknown>) => Promise<RootFile[]>;
  serverUrl: () => string;
  /** How often the node's heartbeat posts (templates' `heartbeat.everySeconds`; default 60). */
  heartbeatEverySeconds?: number;
}

/** A root made for an assignment, not yet stored on the node. */
export interface PreparedRoot {
  root: NodeRoot;
  /** Removes what was made, when the assignment fails after all. */
  undo(): Promise<void>;
}

const bad = (field: string, message: string) => new ValidationError(`${field}: ${message}`, [{ path: field, message }]);

/** Creates the roots service. */
export function createRootsService(deps: RootsDeps) {
  const locks = new Map<string, Promise<unknown>>();
  let exportIdLock: Promise<unknown> = Promise.resolve();

  // One provisioning at a time per node; export ids handed out one at a time.
  function serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    locks.set(key, next);
    void next.finally(() => locks.get(key) === next && locks.delete(key)).catch(() => undefined);
    return next;
  }

  async function goldenOf(name: string | undefined): Promise<Image | null> {
    const image = name ? await deps.store.getImage(name) : null;
    return image?.rootDir ? image : null;
  }

  /** Fills in an nfs-root target's server (advertise address) and path (`<roots.dir>/<hostname or id>` when the image has a golden root). */
  async function complete(node: Node, t: NfsRootTarget, field = 'target'): Promise<NfsRootTarget> {
    const server = t.server ?? deps.advertise();
    const image = await goldenOf(t.image);
    if (!image) {
      if (!t.path) throw bad(`${field}.path`, t.image ? `required: image '${t.image}' has no rootDir to make a root from` : 'required: name an image with a rootDir, and bootherd makes the root');
      return { ...t, server, path: t.path };
    }
    const p = t.path ?? path.join(deps.dir, rootName(node));
    if (!isInside(deps.dir, p) || path.dirname(path.resolve(p)) !== path.resolve(deps.dir)) throw bad(`${field}.path`, `must be a directory directly inside roots.dir (${deps.dir}) for bootherd to make it from image '${image.name}'`);
    return { ...t, server, path: path.resolve(p) };
  }

  async function checkGolden(image: Image): Promise<string> {
    const golden = image.rootDir!;
    const st = await stat(golden).catch(() => null);
    if (!st?.isDirectory()) throw bad('image.rootDir', `${golden} (image '${image.name}') does not exist or is not a directory`);
    return golden;
  }

  function context(node: Node, t: NfsRootTarget, token: string): Record<string, unknown> {
    const hostname = node.hostname ?? `node-${node.id.slice(0, 8)}`;
    return {
      node: { id: node.id, hostname, label: hostname, serial: node.identity.serial ?? '', mac: node.identity.macs[0] ?? '', labels: node.labels, token, bootToken: node.bootToken },
      server: { url: deps.serverUrl(), address: deps.advertise() },
      heartbeat: { everySeconds: deps.heartbeatEverySeconds ?? 60 },
      root: { server: t.server ?? deps.advertise(), path: t.path ?? '', options: t.options, image: t.image ?? '' },
    };
  }

  // Refuses, before anything is made, a golden root whose per-node file paths lead outside it.
  async function checkFilePaths(golden: string, files: RootFile[]): Promise<void> {
    for (const f of files) {
      const real = await resolveInRoot(golden, f.path);
      if (!isInside(golden, real)) throw bad('image.rootDir', `${f.path} in ${golden} leads outside the golden root`);
    }
  }

  async function make(node: Node, t: NfsRootTarget, image: Image, exportId: number, onStep: (msg: Record<string, unknown>) => void): Promise<NodeRoot> {
    const golden = await checkGolden(image);
    const dest = t.path!;
    const token = `${node.id}.${newToken()}`;
    const files = await deps.renderFiles(context(node, t, token));
    await checkFilePaths(golden, files);
    const provider = await deps.provider();
    const started = Date.now();
    let lastReport = 0;
    await provider.create(golden, dest, (done, total) => {
      if (Date.now() - lastReport < 5000 || done >= total) return;
      lastReport = Date.now();
      onStep({ phase: 'copy', percent: total ? Math.floor((done * 100) / total) : null, bytes: done, totalBytes: total });
    });
    try {
      for (const f of files) await writeFileAtomic(await resolveInRoot(dest, f.path), f.data, f.mode);
    } catch (err) {
      await provider.remove(dest).catch(() => undefined);
      throw err;
    }
    onStep({ phase: 'done', provider: provider.kind, ms: Date.now() - started });
    return { provider: provider.kind, path: dest, image: image.name, createdAt: deps.now().toISOString(), exported: false, exportedTo: null, exportId, tokenHash: hashToken(token.slice(node.id.length + 1)) };
  }

  async function nextExportId(node: Node): Promise<number> {
    if (node.root?.exportId !== undefined) return node.root.exportId;
    const run = exportIdLock.then(async () => freeExportId((await deps.store.listNodes()).flatMap((n) => (n.root?.exportId !== undefined ? [n.root.exportId] : []))));
    exportIdLock = run.catch(() => undefined);
    return run;
  }

  const events = (nodeId: string) => (data: Record<string, unknown>) => void deps.store.appendEvents(nodeId, [{ kind: 'root-progress', data }], deps.now().toISOString()).catch(() => undefined);

  /** Makes the node's root for an assignment of `target` (already completed, or `stored` on the node), or null when the target needs none. */
  async function prepare(nodeId: string, target: Target, opts: { stored?: boolean } = {}): Promise<PreparedRoot | null> {
    const t = target.kind === 'install' ? target.then : target;
    if (t.kind !== 'nfs-root') return null;
    const image = await goldenOf(t.image);
    if (!image) return null;
    return serial(nodeId, async () => {
      const node = (await deps.store.getNode(nodeId))!;
      // Refused assignments make nothing (a target already stored needs no check).
      if (!opts.stored) transition(node, { type: 'assign', target }, deps.now().toISOString());
      const have = node.root;
      if (have && have.path === t.path && existsSync(t.path!)) {
        if (have.image !== image.name) throw new ConflictError(`root: ${t.path} was made from image '${have.image}'; POST .../actions/reprovision-root to make it from '${image.name}'`, 'root-exists');
        return { root: have, undo: async () => undefined };
      }
      if (existsSync(t.path!)) throw new ConflictError(`root: ${t.path} already exists and is not this node's root; remove it or choose another hostname or path`, 'root-exists');
      const root = await make(node, t, image, await nextExportId(node), events(node.id));
      return { root, undo: async () => (await deps.provider()).remove(root.path) };
    });
  }

  return { complete, prepare, make, serial, events, goldenOf };
}

/** The roots service. */
export type RootsService = ReturnType<typeof createRootsService>;
