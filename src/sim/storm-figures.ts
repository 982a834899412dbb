// The figures of a storm, and how they print.
import type { Link } from './link.js';
import type { BoardOutcome } from './storm.js';

/** What a storm measured. */
export interface StormFigures {
  boards: number;
  /** Boards meant to come up (those not told to misbehave). */
  expected: number;
  up: number;
  failures: number;
  /** Boards whose every network boot reached kernel and initramfs on its first loop. */
  firstTry: number;
  /** Real seconds from power-on to the last board up (null when one never came up). */
  lastUpSeconds: number | null;
  p50Seconds: number | null;
  p99Seconds: number | null;
  /** Boot loops that failed, all boards together. */
  failedLoops: number;
  seconds: number;
  serverCpuSeconds: number | null;
  serverPeakRssBytes: number | null;
  /** CPU seconds of this process (the boards, and bootherd too when in-process). */
  simCpuSeconds: number;
  linkDownBytes: number;
  linkDropped: number;
  timeScale: number;
}

/** Computes the figures. */
export function stormFigures(outcomes: BoardOutcome[], m: { seconds: number; t0: number; link: Link; usage: { cpuSeconds: number; peakRssBytes: number } | null; cpu0: number | null; simCpuSeconds: number; timeScale: number }): StormFigures {
  const meant = outcomes.filter((o) => o.expected !== 'none');
  const ups = meant.filter((o) => o.failure === null && o.upAt !== null).map((o) => (o.upAt! - m.t0) / 1000).sort((a, b) => a - b);
  const pct = (p: number) => (ups.length ? ups[Math.min(ups.length - 1, Math.ceil((p / 100) * ups.length) - 1)]! : null);
  const down = m.link.down.stats();
  return {
    boards: outcomes.length,
    expected: meant.length,
    up: ups.length,
    failures: meant.filter((o) => o.failure !== null).length,
    firstTry: meant.filter((o) => o.firstTry).length,
    lastUpSeconds: ups.length === meant.length && ups.length ? ups[ups.length - 1]! : null,
    p50Seconds: pct(50),
    p99Seconds: pct(99),
    failedLoops: outcomes.reduce((n, o) => n + o.loops.reduce((a, l) => a + l - 1, 0), 0),
    seconds: m.seconds,
    serverCpuSeconds: m.usage && m.cpu0 !== null ? m.usage.cpuSeconds - m.cpu0 : null,
    serverPeakRssBytes: m.usage?.peakRssBytes ?? null,
    simCpuSeconds: m.simCpuSeconds,
    linkDownBytes: down.bytes,
    linkDropped: down.dropped + m.link.up.stats().dropped,
    timeScale: m.timeScale,
  };
}

const s = (v: number | null) => (v === null ? '-' : v.toFixed(1));

/** One line of figures, labelled. */
export function formatFigures(label: string, f: StormFigures): string {
  const mb = (b: number | null) => (b === null ? '?' : (b / 1e6).toFixed(0));
  return `${label.padEnd(22)} N=${String(f.boards).padStart(4)}  up ${f.up}/${f.expected}  first try ${f.firstTry}  failures ${f.failures}  failed loops ${f.failedLoops}  ` +
    `last up ${s(f.lastUpSeconds)} s  p50 ${s(f.p50Seconds)} s  p99 ${s(f.p99Seconds)} s  server CPU ${s(f.serverCpuSeconds)} s (boards ${s(f.simCpuSeconds)} s)  RSS peak ${mb(f.serverPeakRssBytes)} MB  link ${(f.linkDownBytes / 1e6).toFixed(0)} MB down, ${f.linkDropped} dropped`;
}
