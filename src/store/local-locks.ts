// Store.withLock for a store that serves one instance (SQLite: the data-dir
// lock keeps a second bootherd off the file): named in-process mutexes, with
// waiters served in arrival order. A lease is never lost here.
import type { Lease, LockOptions, Store } from './store.js';

/** Creates the in-process `withLock` of one store. */
export function createLocalLocks(): Store['withLock'] {
  const tails = new Map<string, Promise<void>>();
  const lease: Lease = { signal: new AbortController().signal };

  async function withLock<T>(key: string, fn: (lease: Lease) => Promise<T>, opts: LockOptions = {}): Promise<T | null> {
    const before = tails.get(key);
    if (before && opts.wait === false) return null;
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = (before ?? Promise.resolve()).then(() => mine);
    tails.set(key, tail);
    await before;
    try {
      return await fn(lease);
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  }
  return withLock as Store['withLock'];
}
