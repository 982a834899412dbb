// Shared load-generation helpers for the HTTP benchmarks: bounded request
// loops on loopback with a fixed concurrency, and latency percentiles.
import { readFileSync } from 'node:fs';

/** Result of one measured phase. */
export interface Phase {
  name: string;
  requests: number;
  failures: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

/** Runs `count` calls of `one(i)` with `concurrency` in flight; one(i) resolves to true on success. */
export async function measure(name: string, count: number, concurrency: number, one: (i: number) => Promise<boolean>): Promise<Phase> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      const ok = await one(i).catch(() => false);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!ok) failures++;
    }
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { name, requests: count, failures, seconds, perSecond: count / seconds, p50ms: pct(0.5), p99ms: pct(0.99) };
}

/** Resident set size of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Prints phases as an aligned table. */
export function printPhases(phases: Phase[]): void {
  const rows = phases.map((p) => [p.name, String(p.requests), String(p.failures), p.perSecond.toFixed(0), p.p50ms.toFixed(2), p.p99ms.toFixed(2)]);
  const header = ['phase', 'requests', 'failed', 'req/s', 'p50 ms', 'p99 ms'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}
