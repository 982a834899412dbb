// The Store contract, locks: withLock gives one holder at a time per key,
// wait:false answers null while the lock is taken, keys are independent, a
// holder that throws releases it; on a store shared by instances the lock
// holds across handles. See contract.ts.
import assert from 'node:assert/strict';
import type { ArchivableStore } from '../../src/store/archive.js';
import { storeTest, type StoreHarness } from './contract.js';

const tick = () => new Promise((r) => setTimeout(r, 20));

// Two holders of `key`, on `a` and `b`: the second waits for the first, a try meanwhile gets null.
async function exclusive(a: ArchivableStore, b: ArchivableStore): Promise<void> {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const order: string[] = [];
  let inside = 0;
  const enter = async (who: string, until?: Promise<void>) => {
    assert.equal(inside++, 0, `${who} entered while another held the lock`);
    order.push(`${who} in`);
    await until;
    order.push(`${who} out`);
    inside--;
    return who;
  };
  const first = a.withLock('sweep', (lease) => (assert.equal(lease.signal.aborted, false), enter('first', held)));
  while (order.length === 0) await tick();
  assert.equal(await b.withLock('sweep', async () => 'taken', { wait: false }), null, 'held: a try answers null');
  assert.equal(await b.withLock('other', async () => 'free', { wait: false }), 'free', 'locks are per key');
  const second = b.withLock('sweep', () => enter('second'));
  await tick();
  assert.deepEqual(order, ['first in'], 'the second holder waits');
  release();
  assert.deepEqual(await Promise.all([first, second]), ['first', 'second']);
  assert.deepEqual(order, ['first in', 'first out', 'second in', 'second out']);
}

/** Defines the lock tests for one store kind. */
export function locksContract(h: StoreHarness): void {
  const withStore = storeTest(h);

  withStore('withLock: one holder per key; wait:false answers null while it is held; keys are independent', async (s) => {
    await exclusive(s, s);
    assert.equal(await s.withLock('sweep', async () => 'again', { wait: false }), 'again', 'released: free again');
  });

  withStore('withLock: a holder that throws releases the lock, and the caller gets its error', async (s) => {
    await assert.rejects(s.withLock('k', async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await s.withLock('k', async () => 'free', { wait: false }), 'free');
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => s.withLock('k', async () => (await tick(), i))));
    assert.deepEqual(many, Array.from({ length: 20 }, (_, i) => i), 'waiters are served, each once');
  });

  if (h.multiInstance) {
    withStore('withLock across instances: one holder among every handle on the database', async (s, space) => {
      const other = await space.open('other');
      try {
        await exclusive(s, other);
        await exclusive(other, s);
      } finally {
        await other.close();
      }
    });
  }
}
