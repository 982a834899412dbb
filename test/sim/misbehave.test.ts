// Boards that misbehave cost bootherd only themselves: one sends garbage,
// one stops mid-kernel, one hangs after the firmware, one never reports,
// one loses 5 % of its packets, one stops its heartbeats; every other board
// of the storm comes up, and so does the one that falls silent later.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStorm, type Misbehaviour } from '../../src/sim/index.js';

const trouble: Record<number, Misbehaviour> = {
  2: { garbage: true },
  5: { stallMidKernel: true },
  8: { stallAfterFirmware: true },
  11: { neverReport: true },
  14: { lossShare: 0.05 },
  17: { stopHeartbeatsAfter: 1 },
};

test('garbage, a transfer stopped mid-kernel and other misbehaviour cost bootherd only those boards', async () => {
  const r = await runStorm({ boards: 24, pi5: 1, x86: 1, timeScale: 0.1, deadlineMs: 180_000, server: 'child', misbehave: (i) => trouble[i] });
  const at = (i: number) => r.outcomes[i]!;
  assert.deepEqual(r.outcomes.filter((o) => o.failure).map((o) => `${o.name}: ${o.failure}`), []);
  assert.equal(r.figures.up, 24 - 5, 'everyone meant to come up did');
  assert.ok(r.serverHealthy, 'bootherd still answers /healthz');
  assert.equal(at(2).expected, 'none');
  assert.equal(at(2).phase, 'garbage-sent');
  assert.equal(at(2).os, null, 'it never booted');
  assert.equal(at(5).phase, 'stalled');
  assert.equal(at(8).phase, 'stalled');
  assert.equal(at(11).phase, 'agent-silent');
  assert.notEqual(at(14).phase, 'power-on', 'the lossy board got past its first DHCP');
  assert.notEqual(at(17).upAt, null, 'the board that stops its heartbeats came up first');
});
