// Board-side time. Every wait a simulated board makes (bootloader timeouts,
// retransmissions, poll intervals, kernel boot, heartbeats) goes through
// one clock scaled by `timeScale`: 0.1 makes a board ten times quicker than a
// real one, 4 four times slower (a storm whose link is given at a quarter of
// its rack speed: a machine that cannot carry 1 GbE through its loopback
// still plays a 1 GbE rack). bootherd's own timers are never scaled.

/** A scaled clock shared by the boards of one simulation. */
export interface SimClock {
  /** Real time per board time: 1 is a real rack, 0.1 ten times faster, 4 four times slower. */
  readonly timeScale: number;
  /** Real milliseconds for `ms` of board time. */
  scaled(ms: number): number;
  /** Waits `ms` of board time; rejects with the signal's reason when it aborts (power off). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Real milliseconds since the clock was made. */
  now(): number;
}

/** The slowest a clock may run: boards ten times slower than real ones. */
export const maxTimeScale = 10;

/** Creates a clock; timeScale must be in (0, maxTimeScale]. */
export function createClock(timeScale = 1): SimClock {
  if (!(timeScale > 0 && timeScale <= maxTimeScale)) throw new RangeError(`timeScale must be in (0, ${maxTimeScale}], got ${timeScale}`);
  const t0 = performance.now();
  const scaled = (ms: number) => Math.max(0, ms * timeScale);
  return {
    timeScale,
    scaled,
    now: () => performance.now() - t0,
    sleep: (ms, signal) => sleepReal(scaled(ms), signal),
  };
}

/** Waits `ms` real milliseconds, abortable. */
export function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves never, or rejects when the signal aborts: a hung board waiting for power off. */
export function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A small seeded PRNG (mulberry32), so a board's random choices repeat run to run. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
