// Boot admission (DESIGN §7): a budget of slots, one per board booting (from
// its first DHCP answer or firmware file to its initramfs), and a queue of the
// boards beyond it, oldest first. Pure: every call takes the time, and what
// must happen (events, releases) comes back as data.
//
// Queue. A board that asks while no slot is free for it waits in the queue
// from its first request on (`since`) and keeps its place across retries and
// failed boot loops for as long as it keeps asking (it is forgotten after
// `forgetMs` of silence). Free slots go to the present boards in queue order:
// a board is admitted when it is among the first `free` of them.
//
// Deferral, per boot loop. A DISCOVER goes unanswered for up to `maxDeferMs`
// (inside the board's DHCP_TIMEOUT), then the board is let go; its first
// firmware RRQ goes unanswered for up to `holdMs` (the board sends it again,
// inside its TFTP_FILE_TIMEOUT), then it is turned away with ERROR 0, which
// ends the loop. A board admitted within both still boots on its first loop.
//
// Slots end when the initramfs has arrived (done), when the board has had no
// transfer for `idleMs` (idle, or stalled when its last transfer failed), or
// at `slotMs` after admission whatever it does (deadline).
//
// No starvation. Boards behind a waiting board never pass it, every slot is
// free again within `slotMs`, and a free slot is taken by the head of the
// queue within 2 × `forgetMs` (it asks again within its retry interval, which
// is shorter, or it is forgotten). So a board that joins at position p is
// admitted within ceil(p / B) × (slotMs + 2 × forgetMs), B the smallest budget
// while it waits (at least minBoards): see `admissionBound`.
import { createBudgetEstimator, staleTransferMs, type Budget, type BudgetSettings } from './admission-budget.js';
import { stages, type stageOf } from './boot-plan.js';

/** Admission settings, in milliseconds. */
export interface AdmissionSettings extends BudgetSettings {
  slotMs: number;
  /** A DHCP deferral longer than this (within the boards' DHCP_TIMEOUT) lets the board go on to TFTP, where it is turned away unless admitted by then. */
  maxDeferMs: number;
  /** A first firmware RRQ of a board not admitted goes unanswered this long per boot loop (the board sends it again after a second of silence, inside its TFTP_FILE_TIMEOUT) before it is turned away with ERROR 0. */
  holdMs: number;
  idleMs: number;
  forgetMs: number;
  /** Boards remembered in the queue at most. */
  maxQueue: number;
}

/** Where a board asked. */
export type Via = 'dhcp' | 'tftp';

/** The answer to one request. */
export type Decision =
  | { kind: 'held' }
  | { kind: 'admitted'; waitedMs: number }
  | { kind: 'deferred'; position: number | null; /** DHCP: how long this loop may still be kept waiting before it is let go. */ leftMs?: number; /** TFTP: leave the RRQ unanswered (true), or turn it away with ERROR 0. */ hold?: boolean }
  | { kind: 'let-go'; position: number | null };

type Stage = ReturnType<typeof stageOf>;

/** Why a slot ended. */
export type ReleaseReason = 'done' | 'idle' | 'stalled' | 'deadline';

/** A slot that ended. */
export interface Release {
  key: string;
  reason: ReleaseReason;
  heldMs: number;
  /** The furthest stage its boot completed a file of. */
  stage: Stage | null;
}

/** A board that has waited a while: worth an event, once per wait. */
export interface Deferral {
  key: string;
  via: Via;
  position: number;
  since: number;
}

/** What a sweep found. */
export interface SweepResult {
  releases: Release[];
  deferrals: Deferral[];
}

/** What one board's admission looks like. */
export type AdmissionView =
  | { state: 'admitted'; since: number; deadline: number }
  | { state: 'deferred'; since: number; via: Via; position: number; admitBy: number };

interface Slot {
  since: number;
  deadline: number;
  lastActivity: number;
  live: number;
  gen: number;
  stage: Stage | null;
  lastOutcome: string | null;
}

interface Wait {
  since: number;
  lastSeen: number;
  via: Via;
  xid: number | null;
  phaseStart: number;
  /** When this loop's first firmware RRQ was first left unanswered, or null. */
  holdStart: number | null;
  announced: boolean;
}

// A board admitted within this long is not reported as deferred (no event).
const announceMs = 1000;

/** The longest a board joining at `position` waits for a slot, with at least `boards` slots all along. */
export function admissionBound(position: number, boards: number, s: Pick<AdmissionSettings, 'slotMs' | 'forgetMs'>): number {
  return Math.ceil(position / Math.max(1, boards)) * (s.slotMs + 2 * s.forgetMs);
}

/** Creates the admission state. */
export function createAdmissionModel(s: AdmissionSettings) {
  const estimator = createBudgetEstimator(s);
  const slots = new Map<string, Slot>();
  const waits = new Map<string, Wait>();
  const tokens = new Map<number, { key: string | null; gen: number; stage: Stage; at: number }>();
  let budget: Budget = estimator.update(0);
  let gen = 0;

  const present = (w: Wait, now: number) => now - w.lastSeen <= s.forgetMs;
  // 1-based place of `key` among the boards still asking, or null.
  const positionOf = (key: string, now: number): number | null => {
    let n = 0;
    for (const [k, w] of waits) {
      if (k === key) return n + 1;
      if (present(w, now)) n++;
    }
    return null;
  };

  function admit(key: string, now: number): void {
    waits.delete(key);
    slots.set(key, { since: now, deadline: now + s.slotMs, lastActivity: now, live: 0, gen: ++gen, stage: null, lastOutcome: null });
    estimator.holding(slots.size, now);
  }

  function join(key: string, via: Via, now: number): { wait: Wait; fresh: boolean } | null {
    let w = waits.get(key);
    if (w && !present(w, now)) {
      waits.delete(key);
      w = undefined;
    }
    if (w) return { wait: w, fresh: false };
    if (waits.size >= s.maxQueue) prune(now);
    if (waits.size >= s.maxQueue) return null;
    w = { since: now, lastSeen: now, via, xid: null, phaseStart: now, holdStart: null, announced: false };
    waits.set(key, w);
    return { wait: w, fresh: true };
  }

  /** A board asks to boot: by DHCP (with the DISCOVER's xid) or by its first TFTP request. */
  function request(key: string, via: Via, now: number, xid?: number): Decision {
    const slot = slots.get(key);
    if (slot) {
      slot.lastActivity = now;
      return { kind: 'held' };
    }
    const free = budget.boards - slots.size;
    const joined = join(key, via, now);
    if (!joined) return { kind: 'deferred', position: null };
    const { wait, fresh } = joined;
    wait.lastSeen = now;
    wait.via = via;
    // A new DHCP phase (boot loop): another xid, or any DISCOVER after a TFTP refusal.
    if (via === 'dhcp' && (xid ?? null) !== wait.xid) {
      wait.xid = xid ?? null;
      wait.phaseStart = now;
      wait.holdStart = null;
    }
    const position = positionOf(key, now);
    if (position !== null && position <= free) {
      admit(key, now);
      return { kind: 'admitted', waitedMs: fresh ? 0 : now - wait.since };
    }
    if (via === 'dhcp' && now - wait.phaseStart >= s.maxDeferMs) return { kind: 'let-go', position };
    if (via === 'dhcp') return { kind: 'deferred', position, leftMs: s.maxDeferMs - (now - wait.phaseStart) };
    // TFTP: the RRQ is held (unanswered; the board sends it again) within holdMs of the loop's first one, then turned away, which ends the loop.
    wait.xid = null;
    wait.holdStart ??= now;
    const hold = position !== null && now - wait.holdStart < s.holdMs;
    if (!hold) wait.holdStart = null;
    return { kind: 'deferred', position, hold };
  }

  /** True when `key` holds a slot (and notes it is active). */
  function touch(key: string, now: number): boolean {
    const slot = slots.get(key);
    if (slot) slot.lastActivity = now;
    return Boolean(slot);
  }

  /** A transfer began (key: the board, when known); returns its token. */
  function started(key: string | null, size: number, stage: Stage, now: number): number {
    const token = estimator.started(size, stage, now);
    const slot = key ? slots.get(key) : undefined;
    if (slot) {
      slot.live++;
      slot.lastActivity = now;
    }
    tokens.set(token, { key, gen: slot?.gen ?? 0, stage, at: now });
    return token;
  }

  /** A transfer ended; its slot ends with it when this completed the initramfs. */
  function ended(token: number, bytes: number, outcome: string, now: number): Release | null {
    estimator.ended(token, bytes, outcome, now);
    const t = tokens.get(token);
    tokens.delete(token);
    const slot = t?.key ? slots.get(t.key) : undefined;
    if (!t?.key || !slot || slot.gen !== t.gen) return null;
    slot.live = Math.max(0, slot.live - 1);
    slot.lastActivity = now;
    if (outcome === 'early-terminate' || outcome === 'not-found') return null;
    slot.lastOutcome = outcome;
    if (outcome !== 'complete') return null;
    if (slot.stage === null || stages.indexOf(t.stage) > stages.indexOf(slot.stage)) slot.stage = t.stage;
    return t.stage === 'initramfs' ? release(t.key, slot, 'done', now) : null;
  }

  function release(key: string, slot: Slot, reason: ReleaseReason, now: number): Release {
    slots.delete(key);
    estimator.holding(slots.size, now);
    return { key, reason, heldMs: now - slot.since, stage: slot.stage };
  }

  function prune(now: number): void {
    for (const [k, w] of waits) if (!present(w, now)) waits.delete(k);
    // A transfer whose end was never reported (the estimator drops it too).
    for (const [token, t] of tokens) if (now - t.at > staleTransferMs) tokens.delete(token);
  }

  // Boards waiting longer than a second, not yet reported, with their places (one pass).
  function deferralsDue(now: number): Deferral[] {
    const out: Deferral[] = [];
    let position = 0;
    for (const [key, w] of waits) {
      if (!present(w, now)) continue;
      position++;
      if (!w.announced && now - w.since >= announceMs) {
        w.announced = true;
        out.push({ key, via: w.via, position, since: w.since });
      }
    }
    return out;
  }

  /** Ends slots past their deadline or idle, forgets boards gone quiet, recomputes the budget; call about once a second. */
  function sweep(now: number): SweepResult {
    const out: Release[] = [];
    for (const [key, slot] of slots) {
      if (now >= slot.deadline) out.push(release(key, slot, 'deadline', now));
      else if (slot.live === 0 && now - slot.lastActivity >= s.idleMs) {
        const failed = slot.lastOutcome !== null && slot.lastOutcome !== 'complete';
        out.push(release(key, slot, failed ? 'stalled' : 'idle', now));
      }
    }
    prune(now);
    budget = estimator.update(now);
    return { releases: out, deferrals: deferralsDue(now) };
  }

  /** One board's admission, or null when it neither holds a slot nor waits. */
  function view(key: string, now: number): AdmissionView | null {
    const slot = slots.get(key);
    if (slot) return { state: 'admitted', since: slot.since, deadline: slot.deadline };
    const w = waits.get(key);
    const position = w && present(w, now) ? positionOf(key, now) : null;
    if (!w || position === null) return null;
    return { state: 'deferred', since: w.since, via: w.via, position, admitBy: now + admissionBound(position, budget.boards, s) };
  }

  /** Slots held, boards waiting (still asking), and the budget. */
  function stats(now: number): { admitted: number; deferred: number; budget: Budget } {
    let deferred = 0;
    for (const w of waits.values()) if (present(w, now)) deferred++;
    return { admitted: slots.size, deferred, budget };
  }

  return { request, touch, started, ended, sweep, view, stats };
}

/** The admission state. */
export type AdmissionModel = ReturnType<typeof createAdmissionModel>;

/** True for the file a Pi asks for first in a boot loop (start4.elf on a Pi 4, config.txt on a Pi 5, bootcode.bin or start.elf before): where a board not admitted is turned away. */
export function isBootEntry(file: string, family: string | null): boolean {
  const base = file.split('/').pop() ?? file;
  if (/^(start4?(cd|db|x)?\.elf|start_(cd|db|x)\.elf|bootcode\.bin)$/.test(base)) return true;
  return base === 'config.txt' && family === 'pi5';
}
