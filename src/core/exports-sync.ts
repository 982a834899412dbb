// Keeps the NFS server's exports equal to what the node records call for
// (domain desiredExports): rewritten when a root is made or dropped, and when
// a node with a root shows up from a new address. Each node's `root.exported`
// says whether its export was written and reloaded.
import { desiredExports, type ExportEntry } from '../domain/roots.js';
import type { Node } from '../domain/node.js';
import type { ExportsWriter } from '../roots/index.js';
import type { Store } from '../store/store.js';
import { bump, mutateNode, type CoreDeps } from './deps.js';

/** Creates the exports synchroniser over `writer`. */
export function createExportsSync(deps: CoreDeps & { writer: ExportsWriter }) {
  let last: string | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function markNodes(nodes: Node[], entries: ExportEntry[], ok: boolean, detail: string): Promise<void> {
    const byNode = new Map(entries.map((e) => [e.nodeId, e]));
    for (const n of nodes) {
      if (!n.root) continue;
      const e = byNode.get(n.id);
      const want = { exported: ok && e !== undefined, exportedTo: e?.client ?? null, exportError: e && !ok ? detail : null };
      if (n.root.exported === want.exported && (n.root.exportedTo ?? null) === want.exportedTo && (n.root.exportError ?? null) === want.exportError) continue;
      await mutateNode(deps, n.id, (cur, at) => (cur.root ? { node: bump(cur, { root: { ...cur.root, ...want } }, at), events: [{ kind: 'exports', data: { ...want, detail } }] } : null)).catch((err: unknown) => deps.logger.warn('export state not saved', { node: n.id, err }));
    }
  }

  async function once(): Promise<void> {
    const nodes = (await deps.store.listNodes()).filter((n) => n.root);
    const entries = desiredExports(nodes);
    const key = JSON.stringify(entries);
    let ok = true;
    let detail = 'unchanged';
    if (key !== last) {
      const r = await deps.writer.write(entries).catch((err: Error) => ({ ok: false, detail: err.message }));
      ({ ok, detail } = r);
      last = ok ? key : null;
      if (!ok) deps.logger.warn('exports not applied', { detail });
      else deps.logger.info('exports written', { exports: entries.length, detail });
    }
    await markNodes(nodes, entries, ok, detail);
  }

  /** Brings the exports up to date now; concurrent calls share one run and a follow-up. */
  async function sync(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await once();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  /** Asks for a sync soon (coalesces bursts, e.g. 50 nodes booting at once). */
  function schedule(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void sync().catch((err: unknown) => deps.logger.error('exports sync failed', { err })), 50);
  }

  const needsSync = (n: Node) => n.root && ((n.root.exportedTo ?? null) !== n.lastIp || (n.root.exported && (n.state === 'retired' || n.state === 'new')));

  /** Wraps `store` so that a stored node whose export no longer matches it schedules a sync. */
  function observe(store: Store): Store {
    return {
      ...store,
      async updateNode(node, expected, events, at) {
        const stored = await store.updateNode(node, expected, events, at);
        if (needsSync(stored)) schedule();
        return stored;
      },
      async deleteNode(id, expected, events, at) {
        const before = await store.getNode(id);
        await store.deleteNode(id, expected, events, at);
        if (before?.root) schedule();
      },
      async mergeNodes(survivor, se, absorbedId, ae, events, at) {
        const stored = await store.mergeNodes(survivor, se, absorbedId, ae, events, at);
        if (stored.root) schedule();
        return stored;
      },
    };
  }

  return { sync, schedule, observe, stop: () => clearTimeout(timer) };
}

/** The exports synchroniser. */
export type ExportsSync = ReturnType<typeof createExportsSync>;
