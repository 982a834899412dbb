// Polls a condition with a generous deadline (shared machines are slow): the
// outcome is asserted, never the time it took.
import assert from 'node:assert/strict';

/** Resolves once `cond` holds; fails naming `what` after about a minute. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}
