// The retransmission timeout (RFC 6298 estimator with Karn's rule left to the
// caller), the per-client floors that learn from needless resends, and the
// timer that fires once a deadline passes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRetransmitTimer } from '../../src/tftp/retransmit-timer.js';
import { createRtoFloors, createRttEstimator } from '../../src/tftp/rtt.js';
import { until } from './support.js';

describe('createRttEstimator', () => {
  const limits = { initialMs: 1000, minMs: 20, maxMs: 2000 };
  // Each case: samples (ms) and backoffs ('x') in order, then the RTO expected.
  const cases: Array<[string, Array<number | 'x'>, number]> = [
    ['starts at the initial timeout', [], 1000],
    ['first sample R: SRTT = R, RTTVAR = R/2, RTO = 3R', [100], 300],
    ['a steady RTT shrinks RTTVAR', [100, 100, 100, 100], 100 + 4 * 50 * 0.75 ** 3],
    ['then the RTO follows a jump', [100, 300], 125 + 4 * 87.5],
    ['never below the floor', [1, 1, 1], 20],
    ['a timeout doubles it', [100, 'x'], 600],
    ['backoff stops at the cap', [100, 'x', 'x', 'x', 'x'], 2000],
    ['a new sample after backoff restores it', [100, 'x', 'x', 100], 100 + 4 * 37.5],
    ['before any sample, backoff doubles the initial timeout', ['x'], 2000],
  ];
  for (const [name, events, want] of cases) {
    it(name, () => {
      const rtt = createRttEstimator(limits);
      for (const e of events) e === 'x' ? rtt.backoff() : rtt.sample(e);
      assert.equal(Math.round(rtt.rto() * 1000) / 1000, Math.round(want * 1000) / 1000);
    });
  }
  it('takes a new floor at once, either way', () => {
    const rtt = createRttEstimator(limits);
    rtt.sample(2);
    assert.equal(rtt.rto(), 20);
    rtt.setFloor(160);
    assert.equal(rtt.rto(), 160);
    rtt.setFloor(5);
    assert.equal(rtt.rto(), 6, 'SRTT 2 + 4 * RTTVAR 1');
  });
});

describe('createRtoFloors', () => {
  it('doubles a client\'s floor per needless resend and lowers it per needed one', () => {
    const floors = createRtoFloors({ minMs: 20, maxMs: 2000 });
    for (let i = 0; i < 3; i++) floors.settle('10.0.0.7', true);
    assert.equal(floors.floor('10.0.0.7'), 160);
    assert.equal(floors.floor('10.0.0.8'), 20, 'other clients keep the minimum');
    floors.settle('10.0.0.7', false);
    assert.equal(floors.floor('10.0.0.7'), 160 * 0.9);
    for (let i = 0; i < 10; i++) floors.settle('10.0.0.7', true);
    assert.equal(floors.floor('10.0.0.7'), 2000);
    for (let i = 0; i < 50; i++) floors.settle('10.0.0.7', false);
    assert.equal(floors.floor('10.0.0.7'), 20);
  });

  it('holds still at about 13% needless resends', () => {
    const floors = createRtoFloors({ minMs: 1, maxMs: 1e9 });
    floors.settle('c', true);
    const start = floors.floor('c');
    // One needless in 7.5 (2 * 0.9 ** 6.5 = 1): the floor ends about where it began.
    for (let i = 0; i < 100; i++) for (let j = 0; j < 7 + (i % 2); j++) floors.settle('c', j === 0);
    assert.ok(floors.floor('c') > start / 4 && floors.floor('c') < start * 4, String(floors.floor('c')));
  });

  it('remembers a bounded number of clients', () => {
    const floors = createRtoFloors({ minMs: 20, maxMs: 2000, maxClients: 2 });
    for (const c of ['a', 'b', 'c']) floors.settle(c, true);
    assert.deepEqual(['a', 'b', 'c'].map((c) => floors.floor(c)), [20, 40, 40]);
  });
});

describe('createRetransmitTimer', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('expires once the deadline passes, not while restarts keep moving it', async () => {
    let expired = 0;
    const timer = createRetransmitTimer(() => expired++);
    timer.restart(performance.now(), 300);
    for (let i = 0; i < 5; i++) {
      await sleep(20);
      timer.restart(performance.now(), 300);
    }
    assert.equal(expired, 0);
    await until(() => expired === 1, 'expiry');
    await sleep(50);
    assert.equal(expired, 1, 'once per deadline');
    timer.stop();
  });

  it('moves an earlier deadline forward and never expires once stopped', async () => {
    let expired = 0;
    const timer = createRetransmitTimer(() => expired++);
    timer.restart(performance.now(), 60_000);
    timer.restart(performance.now(), 5); // far earlier: the Node timer is moved
    await until(() => expired === 1, 'expiry of the earlier deadline');
    timer.restart(performance.now(), 5);
    timer.stop();
    timer.restart(performance.now(), 5);
    await sleep(50);
    assert.equal(expired, 1);
  });
});
