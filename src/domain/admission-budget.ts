// The boot admission budget (DESIGN §7): how many boards may boot at once so
// that each still gets its largest file well inside TFTP_FILE_TIMEOUT. Pure:
// the caller passes the time and reports every transfer's start and end.
//
// Estimator. A board needs `need = peak / (fileTimeout × headroom)` bytes/s,
// `peak` being the largest kernel or initramfs served lately. Every large
// transfer that ends (at least an eighth of the peak, 64 KB to 1 MB: kernels,
// initramfs, and the firmware's start4.elf, the first file each Pi gets, so
// a storm's first rates are known within a second rather than after its
// first kernels) is a sample: its rate r (bytes / duration) and k, the
// time-weighted mean number of large transfers under way while it ran (kept
// exactly, as an integral of the live count). k × r is what the link carried
// then, so k × r / need large transfers could have run at once each at `need`:
// exact when the link was the bottleneck (r is then its fair share), a lower
// bound when it was not (the boards were). A board spends only a share f of
// its slot in such transfers (measured: their time over slot time, at least
// 0.6), so that many boards / f may hold slots. With 'auto' the budget follows
// the slow quarter of the last 32 samples (15 s at most): down to that bound
// when they got less than 0.85 × need, up to it (at most doubling per step)
// when they got `need` or more, held in between. With a fixed byte budget B it
// is B / (need × f). Either way within [minBoards, maxBoards].
import type { stageOf } from './boot-plan.js';

/** What the budget is computed from. */
export interface BudgetSettings {
  maxBoards: number;
  minBoards: number;
  /** The budget before anything was measured ('auto'). */
  initialBoards: number;
  /** 'auto': measured from transfers; a number: the link's usable bytes per second. */
  bytesPerSecond: 'auto' | number;
  /** The boards' TFTP_FILE_TIMEOUT. */
  fileTimeoutMs: number;
  /** Share of the file timeout the largest file may take at the planned rate (0.5: half). */
  headroom: number;
}

/** The budget and what it was computed from. */
export interface Budget {
  boards: number;
  /** The link budget: as configured, or as measured ('auto'; 0 before any sample). */
  bytesPerSecond: number;
  /** Bytes per second delivered over the last 10 s, all transfers. */
  measuredBytesPerSecond: number;
  /** Largest kernel or initramfs served lately (0: none seen yet). */
  peakBytes: number;
  /** Bytes per second one board needs for the peak file within its share of the timeout. */
  needBytesPerSecond: number;
  /** Share of a slot's time its board spends in large transfers (at least 0.6): the budget admits boards / share. */
  largeShare: number;
  samples: number;
}

type Stage = ReturnType<typeof stageOf>;

/** Before any kernel was seen, a fixed byte budget plans for a Pi kernel this large. */
export const defaultPeakBytes = 32 * 1024 * 1024;
const sampleWindowMs = 15_000;
const maxRecent = 32;
const minShare = 0.6;
const peakWindowMs = 120_000;
const rateBucketMs = 1000;
const rateBuckets = 10;
const maxSamples = 512;
/** A transfer not reported ended after this long is dropped from the counts. */
export const staleTransferMs = 15 * 60_000;

interface Live {
  size: number;
  large: boolean;
  startedAt: number;
  integralAt: number;
}

interface Sample {
  at: number;
  rate: number;
  concurrency: number;
}

/** Keeps the measurements and computes the budget. */
export function createBudgetEstimator(s: BudgetSettings) {
  const live = new Map<number, Live>();
  const samples: Sample[] = [];
  const peaks: Array<{ at: number; size: number }> = [];
  const delivered = new Map<number, number>();
  let lastPeak = 0;
  let nextToken = 1;
  let largeLive = 0;
  let integral = 0;
  let integralT = 0;
  let held = 0;
  let heldIntegral = 0;
  let lastUpdate = { at: 0, integral: 0, heldIntegral: 0 };
  let share = 1;
  let boards = clamp(s.initialBoards, s);

  const advance = (now: number): void => {
    if (now > integralT) {
      integral += largeLive * (now - integralT);
      heldIntegral += held * (now - integralT);
    }
    integralT = Math.max(integralT, now);
  };
  const peakNow = (now: number): number => {
    while (peaks.length && peaks[0]!.at < now - peakWindowMs) peaks.shift();
    return peaks.length ? Math.max(...peaks.map((p) => p.size)) : lastPeak;
  };
  const minSample = (now: number): number => Math.min(1024 * 1024, Math.max(64 * 1024, peakNow(now) / 8));
  const need = (peak: number): number => (peak || defaultPeakBytes) / ((s.fileTimeoutMs / 1000) * s.headroom);

  /** A transfer of a `size`-byte file at `stage` began; returns its token for ended(). */
  function started(size: number, stage: Stage, now: number): number {
    advance(now);
    if (stage !== 'firmware' && size > 0) {
      const last = peaks[peaks.length - 1];
      if (last && now - last.at < rateBucketMs) last.size = Math.max(last.size, size);
      else peaks.push({ at: now, size });
      lastPeak = peakNow(now);
    }
    // Large files count, whatever their stage: a rate is a board's share of the link whichever file it fetches.
    const large = size > 0 && size >= minSample(now);
    if (large) largeLive++;
    const token = nextToken++;
    live.set(token, { size, large, startedAt: now, integralAt: integral });
    return token;
  }

  /** The transfer `token` ended with `bytes` acknowledged; failures count (a board that timed out got that rate). */
  function ended(token: number, bytes: number, outcome: string, now: number): void {
    const t = live.get(token);
    if (!t) return;
    live.delete(token);
    advance(now);
    const bucket = Math.floor(now / rateBucketMs);
    delivered.set(bucket, (delivered.get(bucket) ?? 0) + bytes);
    if (!t.large) return;
    largeLive--;
    const ms = now - t.startedAt;
    const measurable = outcome === 'complete' || outcome === 'timeout' || outcome === 'error';
    if (!measurable || ms <= 0) return;
    samples.push({ at: now, rate: (bytes * 1000) / ms, concurrency: Math.max(1, (integral - t.integralAt) / ms) });
    if (samples.length > maxSamples) samples.shift();
  }

  /** The number of slots held changed (so the share of a slot spent in large transfers can be measured). */
  function holding(n: number, now: number): void {
    advance(now);
    held = n;
  }

  // The share of held slot time spent in large transfers, smoothed over ~5 updates, at least minShare.
  const measureShare = (now: number): number => {
    const dHeld = heldIntegral - lastUpdate.heldIntegral;
    if (dHeld > 0 && now > lastUpdate.at) share = 0.8 * share + 0.2 * Math.min(1, (integral - lastUpdate.integral) / dHeld);
    lastUpdate = { at: now, integral, heldIntegral };
    return Math.max(minShare, share);
  };

  /** Drops old measurements and recomputes the budget; call about once a second. */
  function update(now: number): Budget {
    advance(now);
    while (samples.length && (samples[0]!.at < now - sampleWindowMs || samples.length > maxRecent)) samples.shift();
    for (const [token, t] of live) if (t.startedAt < now - staleTransferMs) ended(token, 0, 'lost', now);
    for (const b of delivered.keys()) if (b < Math.floor(now / rateBucketMs) - rateBuckets) delivered.delete(b);
    const peak = peakNow(now);
    const perBoard = need(peak);
    const f = measureShare(now);
    let capacity = typeof s.bytesPerSecond === 'number' ? s.bytesPerSecond : 0;
    if (typeof s.bytesPerSecond === 'number') boards = clamp(Math.floor(capacity / perBoard / f), s);
    else if (samples.length >= 3 && peak > 0) {
      const slowRate = quantile(samples.map((x) => x.rate), 0.25);
      const fits = Math.floor(quantile(samples.map((x) => (x.concurrency * x.rate) / perBoard), 0.25) / f);
      // A dead band between 0.85 × need and need holds the budget: noise around `need` must not ratchet it down.
      if (slowRate < 0.85 * perBoard) boards = clamp(Math.min(boards, fits), s);
      else if (slowRate >= perBoard) boards = clamp(Math.max(boards, Math.min(fits, 2 * boards)), s);
      capacity = quantile(samples.map((x) => x.concurrency * x.rate), 0.5);
    }
    let sum = 0;
    for (const v of delivered.values()) sum += v;
    return { boards, bytesPerSecond: Math.round(capacity), measuredBytesPerSecond: Math.round(sum / rateBuckets), peakBytes: peak, needBytesPerSecond: Math.round(perBoard), largeShare: Math.round(f * 100) / 100, samples: samples.length };
  }

  return { started, ended, holding, update };
}

/** The estimator. */
export type BudgetEstimator = ReturnType<typeof createBudgetEstimator>;

function clamp(n: number, s: Pick<BudgetSettings, 'minBoards' | 'maxBoards'>): number {
  return Math.max(s.minBoards, Math.min(s.maxBoards, Number.isFinite(n) ? n : s.maxBoards));
}

/** The q-quantile (0..1) of values, nearest rank. */
export function quantile(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))] ?? 0;
}
