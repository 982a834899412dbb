// Boot admission against simulated boards (outcomes, not time). The storm
// runs at time scale 0.5 (TFTP_FILE_TIMEOUT 15 s, DHCP_TIMEOUT 22.5 s), slow
// enough that a loaded machine's scheduling delays stay well inside the
// deferral margin, with a boot set whose kernel dominates, as the real one
// does: through a 2 MB/s link, 100 boards fetching a 400 KB kernel at once
// need 20 s each, past their timeout, so fair sharing fails them together
// and again on each retry; admitted in turn they all boot on their first or
// second loop. Then a run at time scale 0.25 with a fixed budget: no board
// waits longer than the bound computed from its place and the budget, and a
// board stalled mid-kernel loses its slot while the others go on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admissionBound } from '../../src/domain/admission.js';
import { makeFleet, runStorm, scaledAdmission, smallSizes, type BoardOutcome } from '../../src/sim/index.js';
import { startRack, until } from './support.js';

const sizes = { ...smallSizes, start4: 30_000, discoveryKernelArm64: 400_000, discoveryInitramfsArm64: 50_000, piKernel: 150_000, piInitramfs: 100_000, diskImage: 500_000 };
const timeScale = 0.25;
const stormScale = 0.5;
const link = { bytesPerSecond: 2_000_000 };
// Every network boot of the board (discovery, then its target) took one or two loops.
const withinTwoLoops = (o: BoardOutcome) => o.failure === null && o.upAt !== null && o.loops.length >= 2 && o.loops.every((l) => l <= 2);

test('through a link where fair sharing fails, admission boots 100 boards on their first or second loop; without it many need more or never come up', async () => {
  const storm = (enabled: boolean, deadlineMs: number) => runStorm({ boards: 100, timeScale: stormScale, link, sizes, deadlineMs, server: 'child', serverConfig: { admission: { enabled } } });
  const on = await storm(true, 300_000);
  assert.deepEqual(on.outcomes.filter((o) => o.failure).map((o) => `${o.name}: ${o.failure}`), [], 'with admission every board came up as planned');
  assert.deepEqual(on.outcomes.filter((o) => !withinTwoLoops(o)).map((o) => `${o.name}: ${o.loops.join('+')}`), [], 'every boot took at most two loops');
  assert.ok(on.figures.firstTry > 0, 'some booted on the first try');
  // Without admission, given as long as the admitted storm took and more.
  const off = await storm(false, Math.max(60_000, 1.5 * (on.figures.lastUpSeconds ?? 0) * 1000));
  const late = off.outcomes.filter((o) => o.expected !== 'none' && !withinTwoLoops(o));
  assert.ok(late.length >= 20, `without admission ${late.length} of 100 boards needed a third loop or more, or never came up`);
  assert.ok(off.figures.failedLoops > 2 * on.figures.failedLoops, `failed loops: ${off.figures.failedLoops} without, ${on.figures.failedLoops} with admission`);
});

test('with a fixed budget no board waits longer than its bound, and a board stalled mid-kernel loses its slot while the others boot', async () => {
  const boards = 40;
  const budget = 4;
  // A slot is held 2 s at most: plenty for these boots (a few hundred KB each), and the bound gets tight enough to bite.
  const admission = { ...scaledAdmission(timeScale), minBoards: budget, maxBoards: budget, initialBoards: budget, slotSeconds: 2 };
  const specs = makeFleet(boards, { misbehave: (i) => (i === 0 ? { stallMidKernel: true } : undefined) });
  const rack = await startRack({ specs, timeScale, link: { bytesPerSecond: 8_000_000 }, sizes, netbootOnly: true, serverConfig: () => ({ admission }) });
  try {
    rack.sim.powerOnAll();
    const netbooted = (i: number) => rack.sim.boards[i]!.events.some((e) => e.kind === 'netbooted');
    await until('every board but the stalled one netbooted', () => specs.every((_, i) => i === 0 || netbooted(i)), 150_000);
    assert.equal(rack.sim.boards[0]!.snapshot().phase, 'stalled');
    const events = async (ref: string) => (await rack.server.api('GET', `/api/v1/nodes/${ref}/events?kind=admission`)).body.events.map((e: { at: string; data: Record<string, unknown> }) => ({ ...e.data, at: e.at })) as Array<Record<string, unknown>>;
    await until('the stalled board\'s slot to time out', async () => (await events(specs[0]!.serial!)).some((e) => e.action === 'slot-timeout'), 600);
    assert.deepEqual((await events(specs[0]!.serial!)).filter((e) => e.action === 'slot-timeout').map((e) => [e.reason, e.stage]), [['deadline', 'firmware']], 'it stalled in its kernel, after the firmware');
    const settings = { slotMs: admission.slotSeconds * 1000, forgetMs: admission.forgetSeconds * 1000 };
    const order: Array<{ name: string; since: number; admittedAt: number }> = [];
    for (const spec of specs.slice(1)) {
      const ev = await events(spec.serial!);
      // Its last wait (a board silent past forgetSeconds would have joined again, at the back).
      const admitted = ev.find((e) => e.action === 'admitted');
      const deferred = ev.filter((e) => e.action === 'deferred' && (!admitted || String(e.at) <= String(admitted.at))).pop();
      if (!deferred) continue;
      assert.ok(admitted, `${spec.name} was deferred and then admitted`);
      order.push({ name: spec.name, since: Date.parse(String(deferred.since)), admittedAt: Date.parse(String(admitted.at)) });
      // Reported a second after joining, at a place no worse than its place then.
      const bound = 1000 + admissionBound(Number(deferred.position), budget, settings);
      assert.ok(Number(admitted.waitedSeconds) * 1000 <= bound, `${spec.name} waited ${admitted.waitedSeconds} s from place ${deferred.position}, bound ${bound / 1000} s`);
    }
    assert.ok(order.length >= boards / 2, `${order.length} boards waited in the queue`);
    // Oldest first: a board that joined the queue earlier was never admitted after one that joined later.
    order.sort((a, b) => a.since - b.since);
    for (let i = 1; i < order.length; i++) assert.ok(order[i]!.admittedAt >= order[i - 1]!.admittedAt - 50, `${order[i]!.name} (joined later) was admitted before ${order[i - 1]!.name}`);
  } finally {
    await rack.stop();
  }
});
