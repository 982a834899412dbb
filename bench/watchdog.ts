// npm run bench:watchdog — the cost of one watchdog sweep over 10,000 nodes in
// a real SQLite file, beside its reference: reading those nodes from the store
// alone (the floor of any sweep), and the sweep interval it must fit in.
// Nodes: deployed with OS heartbeats, holding agents, booting, and a few
// wedged each round (notify policy: judged and recorded, nobody switched).
// Options: --nodes N (10000), --rounds R (7).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newNode } from '../src/core/enroll.js';
import { createWatchdog } from '../src/core/watchdog.js';
import type { Node } from '../src/domain/node.js';
import { createSqliteStore } from '../src/store/sqlite.js';
import { testLifecycleDeps, testSettings } from '../test/helpers/core-deps.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '7' } } });
const total = Number(values.nodes);
const rounds = Number(values.rounds);
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function nodeFor(i: number, t0: number): Node {
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const n = newNode({ serial: hex(0x20000000 + i, 8), macs: [`dc:a6:33:${hex(i >> 16, 2)}:${hex((i >> 8) & 0xff, 2)}:${hex(i & 0xff, 2)}`] }, at(-3600), null);
  const boot = { startedAt: at(-600), updatedAt: at(-590), via: 'tftp' as const, clientIp: null, files: 9, probes: 3, notFound: 4, failed: 0, bytes: 30_000_000, stage: 'initramfs' as const };
  const kind = i % 10;
  if (kind < 6) return { ...n, state: 'deployed', target: { kind: 'nfs-root', server: '10.0.0.1', path: `/srv/roots/n${i}`, options: 'vers=3' }, lastBoot: boot, lastHeartbeatAt: at(-(i % 250)), heartbeatFrom: 'os' };
  if (kind < 9) return { ...n, state: 'ready', lastBoot: boot, lastHeartbeatAt: at(-(i % 250)), heartbeatFrom: 'agent' };
  return { ...n, state: 'deployed', target: { kind: 'usb-root', partuuid: 'c1f95d14-02' }, lastPower: { op: 'cycle', at: at(-(i % 200)) } };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-wd-'));
  const store = createSqliteStore(path.join(dir, 'bootherd.db'));
  const t0 = Date.parse('2026-05-01T00:00:00Z');
  let clock = t0;
  try {
    for (let i = 0; i < total; i++) {
      const n = nodeFor(i, t0);
      await store.createNode(n, [], n.createdAt);
    }
    const settings = testSettings({ watchdog: { policy: 'notify' } });
    const deps = await testLifecycleDeps(store, () => new Date(clock), { settings });
    const watchdog = createWatchdog(deps);
    await watchdog.sweep(); // settles health once, as a running bootherd has
    const list: number[] = [];
    const sweep: number[] = [];
    // The longest the event loop went without a turn during a sweep (TFTP and HTTP wait that long).
    let maxGap = 0;
    let last = process.hrtime.bigint();
    const tick = setInterval(() => {
      const now = process.hrtime.bigint();
      maxGap = Math.max(maxGap, Number(now - last) / 1e6);
      last = now;
    }, 1);
    let acted = 0;
    const gaps: number[] = [];
    for (let r = 0; r < rounds; r++) {
      clock += 1000;
      let t = process.hrtime.bigint();
      await store.listNodes();
      list.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      last = t;
      maxGap = 0;
      acted += (await watchdog.sweep()).acted;
      sweep.push(Number(process.hrtime.bigint() - t) / 1e6);
      gaps.push(maxGap);
    }
    clearInterval(tick);
    const s = median(sweep);
    const l = median(list);
    console.log(`bench:watchdog  node ${process.version}, ${os.cpus().length} cores, ${total} nodes in SQLite (WAL, synchronous=FULL), ${rounds} rounds, medians`);
    console.log(`watchdog sweep:          ${s.toFixed(1)} ms per sweep (${(s * 1000 / total).toFixed(1)} us per node; ${acted} nodes newly wedged or recovered over the rounds)`);
    console.log(`longest event-loop stall during a sweep: ${median(gaps).toFixed(1)} ms (the sweep reads in pages of 500)`);
    console.log(`reference, store read:   ${l.toFixed(1)} ms to list the ${total} nodes at once -> sweep / read = ${(s / l).toFixed(2)}x`);
    console.log(`reference, interval:     ${settings.watchdog.sweepSeconds * 1000} ms between sweeps       -> sweep / interval = ${(s / (settings.watchdog.sweepSeconds * 10)).toFixed(2)} %`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
