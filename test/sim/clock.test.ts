// The boards' clock: quicker than real (time scale under 1) for tests, slower
// (over 1) for a storm whose link runs below its rack speed; out of range is
// refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClock, maxTimeScale } from '../../src/sim/clock.js';

test('a board clock scales every wait, slower as well as quicker than real, and refuses a scale out of range', async () => {
  assert.equal(createClock(0.1).scaled(30_000), 3_000);
  const slow = createClock(4);
  assert.equal(slow.scaled(30_000), 120_000, "a Pi's 30 s file timeout lasts 2 minutes at time scale 4");
  const t0 = performance.now();
  await slow.sleep(25);
  assert.ok(performance.now() - t0 >= 99, 'a 25 ms board wait lasts at least 100 ms of real time');
  for (const bad of [0, -1, maxTimeScale + 1, Number.NaN]) assert.throws(() => createClock(bad), RangeError, String(bad));
});
