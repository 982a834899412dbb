// Per-node NFS roots, as pure rules: where a node's root lives, and which
// exports the node records call for (one per node, to its address only).
import type { Node } from './node.js';

/** One export: a root directory, to one client address. */
export interface ExportEntry {
  nodeId: string;
  path: string;
  client: string;
  exportId: number;
}

/** The name a node's root directory gets: its hostname, else its id. */
export function rootName(node: Pick<Node, 'id' | 'hostname'>): string {
  return node.hostname ?? node.id;
}

/** The segments of an absolute POSIX path with `.` and `..` applied (`..` never climbs above /). */
export function pathSegments(p: string): string[] {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out;
}

/** True if `child` lies strictly inside `parent` (absolute paths, compared after normalising). */
export function isInside(parent: string, child: string): boolean {
  const p = pathSegments(parent);
  const c = pathSegments(child);
  return c.length > p.length && p.every((seg, i) => c[i] === seg);
}

/** States whose node may mount its root: everything but new (never assigned) and retired. */
function mayMount(node: Node): boolean {
  return node.state !== 'new' && node.state !== 'retired';
}

/** The exports the node records call for: a node with a root made by bootherd, still its target's path, a known address, and not retired. */
export function desiredExports(nodes: Node[]): ExportEntry[] {
  const out: ExportEntry[] = [];
  for (const n of nodes) {
    const r = n.root;
    if (!r || !n.lastIp || !mayMount(n) || r.exportId === undefined) continue;
    const t = n.target?.kind === 'install' ? n.target.then : n.target;
    if (t?.kind !== 'nfs-root' || t.path !== r.path) continue;
    out.push({ nodeId: n.id, path: r.path, client: n.lastIp, exportId: r.exportId });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The smallest export id from `first` up that none of `taken` holds. */
export function freeExportId(taken: Iterable<number>, first = 100): number {
  const used = new Set(taken);
  let id = first;
  while (used.has(id)) id++;
  return id;
}
