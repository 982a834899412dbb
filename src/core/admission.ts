// Boot admission as bootherd applies it (DESIGN §7): the DHCP route asks
// before it answers a Pi, the TFTP route before it serves a board's first
// firmware file, and every TFTP transfer is measured. A board beyond the
// budget gets no DHCP answer (it asks again every 4 s); at its first
// firmware file, no answer for up to holdSeconds (it sends the RRQ again
// every second), then ERROR 0, which makes a Pi restart its boot loop. Off
// (`enabled: false`), nothing is deferred but the budget is still measured.
import { createAdmissionModel, isBootEntry, type AdmissionSettings, type AdmissionView, type Decision, type Release } from '../domain/admission.js';
import { stageOf } from '../domain/boot-plan.js';
import { staggerFromBudget } from '../domain/power-plan.js';
import type { Node } from '../domain/node.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import { discoveryFiles } from './render-context.js';

/** The `admission` config block (seconds). */
export interface AdmissionConfig {
  enabled: boolean;
  maxBoards: number;
  minBoards: number;
  initialBoards: number;
  bytesPerSecond: 'auto' | number;
  slotSeconds: number;
  fileTimeoutSeconds: number;
  maxDeferSeconds: number;
  holdSeconds: number;
  idleSeconds: number;
  forgetSeconds: number;
  headroom: number;
}

/** A node's admission as the API shows it. */
export type NodeAdmission =
  | { state: 'admitted'; since: string; deadline: string }
  | { state: 'deferred'; since: string; via: 'dhcp' | 'tftp'; position: number; admitBy: string };

/** What the service needs. */
export interface AdmissionDeps {
  store: Pick<Store, 'appendEvents'>;
  now: () => Date;
  logger: Logger;
  metrics?: Metrics;
  settings: AdmissionConfig;
}

/** The model's settings from the config block. */
export function admissionSettings(c: AdmissionConfig): AdmissionSettings {
  const ms = (s: number) => Math.round(s * 1000);
  return {
    maxBoards: c.maxBoards, minBoards: Math.min(c.minBoards, c.maxBoards), initialBoards: c.initialBoards, bytesPerSecond: c.bytesPerSecond,
    fileTimeoutMs: ms(c.fileTimeoutSeconds), headroom: c.headroom, slotMs: ms(c.slotSeconds), maxDeferMs: ms(c.maxDeferSeconds), holdMs: ms(c.holdSeconds),
    idleMs: ms(c.idleSeconds), forgetMs: ms(c.forgetSeconds), maxQueue: 16_384,
  };
}

const stageOfFile = (file: string) => stageOf(file, discoveryFiles.kernel, discoveryFiles.initramfs);

/** Creates the admission service. */
export function createAdmission(deps: AdmissionDeps) {
  const model = createAdmissionModel(admissionSettings(deps.settings));
  const enabled = deps.settings.enabled;
  const t = () => deps.now().getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  const m = deps.metrics;
  const admitted = m?.counter('bootherd_admission_admitted_total', 'Boards given a boot slot, by where they asked (dhcp, tftp)');
  const deferred = m?.counter('bootherd_admission_deferred_total', 'Requests of boards held back, by where they asked: DISCOVERs left unanswered (dhcp), first firmware files turned away with ERROR 0 (tftp)');
  const heldRrqs = m?.counter('bootherd_admission_held_total', 'First firmware RRQs of waiting boards left unanswered (the board sends them again within its TFTP_FILE_TIMEOUT; turned away with ERROR 0 after holdSeconds)');
  const letGo = m?.counter('bootherd_admission_let_go_total', 'DISCOVERs answered to a waiting board so it does not reach DHCP_TIMEOUT (it is turned away at TFTP instead)');
  const releases = m?.counter('bootherd_admission_releases_total', 'Admission slots ended, by reason (done, idle, stalled, deadline)');
  const timeouts = m?.counter('bootherd_admission_slot_timeouts_total', 'Admission slots taken back from a board that did not get through: stalled mid-transfer, or held past slotSeconds (deadline)');

  const event = (nodeId: string, data: Record<string, unknown>): void => {
    deps.store.appendEvents(nodeId, [{ kind: 'admission', data }], deps.now().toISOString()).catch((err: unknown) => deps.logger.warn('admission event not saved', { node: nodeId, err }));
  };

  function decided(nodeId: string, via: 'dhcp' | 'tftp', d: Decision): void {
    if (d.kind === 'held') return;
    if (d.kind === 'deferred' && d.hold) return void heldRrqs?.inc();
    (d.kind === 'admitted' ? admitted : d.kind === 'deferred' ? deferred : letGo)?.inc({ via });
    if (d.kind === 'admitted' && d.waitedMs > 0) event(nodeId, { action: 'admitted', via, waitedSeconds: Math.round(d.waitedMs / 100) / 10 });
  }

  function released(r: Release): void {
    releases?.inc({ reason: r.reason });
    queueMicrotask(wake);
    // A slot that ended without the boot getting through: the board stalled or took too long (DESIGN §8 marks it).
    if (r.reason === 'stalled' || r.reason === 'deadline') timeouts?.inc({ reason: r.reason });
    if (r.reason === 'stalled' || r.reason === 'deadline') event(r.key, { action: 'slot-timeout', reason: r.reason, stage: r.stage ?? 'none', heldSeconds: Math.round(r.heldMs / 1000) });
  }

  // Held DISCOVERs of boards next in line, answered the moment a slot frees (instead of at their next retry).
  const held = new Map<string, { xid: number; done: (a: 'answer' | 'defer') => void }>();
  const holdMs = Math.min(2000, deps.settings.maxDeferSeconds * 250);

  /** DHCP: whether a Pi's DISCOVER (with its xid) is answered; a board next in line waits up to 2 s for a slot first. */
  async function dhcp(node: Pick<Node, 'id'>, xid: number): Promise<'answer' | 'defer'> {
    if (!enabled) return 'answer';
    const d = model.request(node.id, 'dhcp', t(), xid);
    decided(node.id, 'dhcp', d);
    if (d.kind !== 'deferred') return 'answer';
    if (d.position === null || d.position > model.stats(t()).budget.boards || held.has(node.id)) return 'defer';
    // Held no longer than the loop may still wait: its DHCP_TIMEOUT runs meanwhile.
    const hold = Math.min(holdMs, Math.max(0, d.leftMs ?? holdMs));
    if (hold === 0) return 'defer';
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('defer'), hold);
      const done = (a: 'answer' | 'defer') => {
        clearTimeout(timer);
        held.delete(node.id);
        resolve(a);
      };
      held.set(node.id, { xid, done });
    });
  }

  // A slot freed or the budget grew: the held boards ask again, in queue order (the model keeps it).
  function wake(): void {
    for (const [id, h] of held) {
      const s = model.stats(t());
      if (s.admitted >= s.budget.boards) return;
      const d = model.request(id, 'dhcp', t(), h.xid);
      if (d.kind === 'deferred') continue;
      decided(id, 'dhcp', d);
      h.done('answer');
    }
  }

  /** TFTP: for a board that must wait, a refusal (silent: no answer, the Pi asks again; else ERROR 0 and the Pi restarts its boot loop), else null. */
  function tftp(node: Pick<Node, 'id' | 'hardware'>, file: string): { refuse: string; silent?: true } | null {
    if (!enabled || model.touch(node.id, t()) || !isBootEntry(file, node.hardware.family)) return null;
    const d = model.request(node.id, 'tftp', t());
    decided(node.id, 'tftp', d);
    if (d.kind !== 'deferred') return null;
    const refuse = d.position === null ? 'boot deferred: admission queue full' : `boot deferred: admission queue position ${d.position}`;
    return d.hold ? { refuse, silent: true } : { refuse };
  }

  /** A TFTP transfer of `file` (`size` bytes) began, for `nodeId` when known; the token goes to ended(). */
  function started(nodeId: string | null, file: string, size: number): number {
    return model.started(nodeId, size, stageOfFile(file), t());
  }

  /** A TFTP transfer ended. */
  function ended(token: number, rec: { bytes: number; outcome: string }): void {
    const r = model.ended(token, rec.bytes, rec.outcome, t());
    if (r) released(r);
  }

  /** A node's admission, or null. */
  function view(nodeId: string): NodeAdmission | null {
    const v: AdmissionView | null = model.view(nodeId, t());
    if (!v) return null;
    if (v.state === 'admitted') return { state: 'admitted', since: iso(v.since), deadline: iso(v.deadline) };
    return { state: 'deferred', since: iso(v.since), via: v.via, position: v.position, admitBy: iso(v.admitBy) };
  }

  function sweep(): void {
    const { releases: ended, deferrals } = model.sweep(t());
    for (const r of ended) released(r);
    for (const d of deferrals) event(d.key, { action: 'deferred', via: d.via, position: d.position, since: iso(d.since) });
    wake();
  }

  /** Sweeps every second (slot deadlines, idle slots, the budget); returns the stop function. */
  function start(everyMs = 1000): () => void {
    const timer = setInterval(() => {
      try {
        sweep();
      } catch (err) {
        deps.logger.error('admission sweep failed', { err });
      }
    }, everyMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      for (const h of held.values()) h.done('defer');
    };
  }

  registerGauges(deps.metrics, enabled, () => model.stats(t()));
  /** Seconds between two power-ons of a rack so boards arrive as slots turn over (paced power-on). */
  const stagger = (): number => staggerFromBudget(model.stats(t()).budget, { fileTimeoutMs: deps.settings.fileTimeoutSeconds * 1000, headroom: deps.settings.headroom });

  return { dhcp, tftp, started, ended, view, sweep, start, stagger, stats: () => model.stats(t()) };
}

/** The admission service. */
export type Admission = ReturnType<typeof createAdmission>;

function registerGauges(metrics: Metrics | undefined, enabled: boolean, stats: () => ReturnType<ReturnType<typeof createAdmissionModel>['stats']>): void {
  if (!metrics) return;
  metrics.gauge('bootherd_admission_enabled', 'Whether boot admission defers boards (1) or only measures (0)', () => [{ labels: {}, value: enabled ? 1 : 0 }]);
  metrics.gauge('bootherd_admission_slots_in_use', 'Boards holding a boot slot (past their first firmware file, not yet at their initramfs)', () => [{ labels: {}, value: stats().admitted }]);
  metrics.gauge('bootherd_admission_queue_length', 'Boards waiting for a boot slot', () => [{ labels: {}, value: stats().deferred }]);
  metrics.gauge('bootherd_admission_budget', 'The admission budget: boards booting at once, and the link budget in bytes per second (measured when auto)', () => {
    const b = stats().budget;
    return [{ labels: { what: 'boards' }, value: b.boards }, { labels: { what: 'bytes-per-second' }, value: b.bytesPerSecond }];
  });
  metrics.gauge('bootherd_admission_rate_bytes_per_second', 'TFTP bytes per second delivered over the last 10 s (measured), and what one board needs for the largest file', () => {
    const b = stats().budget;
    return [{ labels: { what: 'measured' }, value: b.measuredBytesPerSecond }, { labels: { what: 'per-board-need' }, value: b.needBytesPerSecond }];
  });
  metrics.gauge('bootherd_admission_peak_file_bytes', 'The largest kernel or initramfs served lately (what the budget plans for)', () => [{ labels: {}, value: stats().budget.peakBytes }]);
}
