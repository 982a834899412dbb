// Boot telemetry: every boot request of a node is counted in memory and
// coalesced into its `lastBoot`; the record is written when a boot starts,
// when it reaches a further stage (each with a `boot-stage` event, so the
// event stream shows boots progress), and by a periodic flush, never per request.
// Counts live per instance; a write is compare-and-set and merged by
// startedAt, so an instance flushing an older boot never overwrites a newer
// one another instance recorded (the same boot seen by two is merged).
import { stageOf, stages } from '../domain/boot-plan.js';
import type { LastBoot } from '../domain/node.js';
import { bump, mutateNode, type CoreDeps } from './deps.js';
import { discoveryFiles } from './render-context.js';

/** One finished request of a node. */
export interface BootRequestRecord {
  nodeId: string;
  file: string;
  outcome: 'complete' | 'early-terminate' | 'not-found' | 'denied' | 'timeout' | 'error' | 'busy';
  bytes: number;
  clientIp: string | null;
  via: 'tftp' | 'http';
}

// A request this long after the previous one starts a new boot.
const newBootGapMs = 60_000;
const firstFiles = /^(start4?\.elf|start_cd\.elf|bootcode\.bin|bootsig\.bin|autoboot\.txt)$/;

/** Creates the telemetry collector. */
export function createBootTelemetry(deps: CoreDeps) {
  const live = new Map<string, { boot: LastBoot; lastAt: number; dirty: boolean }>();

  const persist = async (nodeId: string, stageEvent = false) => {
    const entry = live.get(nodeId);
    if (!entry) return;
    entry.dirty = false;
    const boot = { ...entry.boot };
    const events = stageEvent ? [{ kind: 'boot-stage', data: { stage: boot.stage, via: boot.via, clientIp: boot.clientIp, startedAt: boot.startedAt } }] : [];
    await mutateNode(deps, nodeId, (n, at) => {
      const stored = n.lastBoot ?? null;
      // A newer boot is on record (another instance served it): this one is history; stop flushing it.
      if (stored && stored.startedAt > boot.startedAt) return (live.get(nodeId) === entry && live.delete(nodeId), null);
      const lastBoot = stored?.startedAt === boot.startedAt ? mergeBoots(stored, boot) : boot;
      return { node: bump(n, { lastBoot, lastIp: boot.clientIp ?? n.lastIp, lastSeenAt: at }, at), events };
    }).catch((err: unknown) => {
      deps.logger.warn('boot telemetry not saved', { node: nodeId, err });
    });
  };

  /** Counts one request; resolves once any write it caused is done. */
  async function record(r: BootRequestRecord): Promise<void> {
    const now = deps.now();
    const iso = now.toISOString();
    const base = r.file.split('/').pop() ?? r.file;
    let entry = live.get(r.nodeId);
    const reachedKernel = entry ? stages.indexOf(entry.boot.stage) >= 1 : false;
    let write = false;
    if (!entry || now.getTime() - entry.lastAt > newBootGapMs || (reachedKernel && firstFiles.test(base))) {
      entry = { boot: { startedAt: iso, via: r.via, clientIp: r.clientIp, files: 0, probes: 0, notFound: 0, failed: 0, bytes: 0, stage: 'firmware', updatedAt: iso }, lastAt: now.getTime(), dirty: true };
      live.set(r.nodeId, entry);
      write = true;
    }
    const b = entry.boot;
    entry.lastAt = now.getTime();
    b.updatedAt = iso;
    entry.dirty = true;
    if (r.outcome === 'complete') {
      b.files++;
      b.bytes += r.bytes;
      const stage = stageOf(r.file, discoveryFiles.kernel, discoveryFiles.initramfs);
      if (stages.indexOf(stage) > stages.indexOf(b.stage)) {
        b.stage = stage;
        write = true;
      }
    } else if (r.outcome === 'early-terminate') b.probes++;
    else if (r.outcome === 'not-found') b.notFound++;
    else b.failed++;
    if (write) await persist(r.nodeId, true);
  }

  /** Writes every entry with unsaved counts. */
  async function flush(): Promise<void> {
    for (const [id, entry] of live) if (entry.dirty) await persist(id);
    const cutoff = deps.now().getTime() - 10 * newBootGapMs;
    for (const [id, entry] of live) if (!entry.dirty && entry.lastAt < cutoff) live.delete(id);
  }

  /** The live (possibly unsaved) last boot of a node. */
  function current(nodeId: string): LastBoot | null {
    const e = live.get(nodeId);
    return e ? { ...e.boot } : null;
  }

  /** The node's own OS sent a heartbeat: its latest boot reached os-up (written once per boot). */
  async function osUp(nodeId: string, clientIp: string | null): Promise<void> {
    const iso = deps.now().toISOString();
    const entry = live.get(nodeId);
    if (entry?.boot.stage === 'os-up') return;
    const boot: LastBoot = entry?.boot ?? { startedAt: iso, via: 'http', clientIp, files: 0, probes: 0, notFound: 0, failed: 0, bytes: 0, stage: 'firmware', updatedAt: iso };
    boot.stage = 'os-up';
    boot.updatedAt = iso;
    live.set(nodeId, { boot, lastAt: deps.now().getTime(), dirty: true });
    await persist(nodeId);
  }

  return { record, flush, current, osUp };
}

/** One boot as two records of it say (same startedAt): the further stage, the larger counts, the later update. */
export function mergeBoots(a: LastBoot, b: LastBoot): LastBoot {
  const [older, newer] = a.updatedAt <= b.updatedAt ? [a, b] : [b, a];
  const stage = stages.indexOf(a.stage) >= stages.indexOf(b.stage) ? a.stage : b.stage;
  const most = (k: 'files' | 'probes' | 'notFound' | 'failed' | 'bytes') => Math.max(older[k], newer[k]);
  return { ...newer, stage, files: most('files'), probes: most('probes'), notFound: most('notFound'), failed: most('failed'), bytes: most('bytes') };
}

/** The later of two records of a node's last boot (by startedAt, then updatedAt); live counts beside the stored ones. */
export function latestBoot(a: LastBoot | null | undefined, b: LastBoot | null | undefined): LastBoot | null {
  if (!a || !b) return a ?? b ?? null;
  if (a.startedAt !== b.startedAt) return a.startedAt > b.startedAt ? a : b;
  return mergeBoots(a, b);
}

/** The telemetry collector. */
export type BootTelemetry = ReturnType<typeof createBootTelemetry>;
