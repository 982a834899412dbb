// One byte budget for everything the TFTP file cache keeps (whole files and
// files cut into DATA packets). Entries go least recently used first; an
// entry in use (pinned by a transfer or a download) is never evicted, and an
// entry that cannot fit beside the pinned ones is refused, so the counted
// bytes never exceed the budget.

/** A cached value and what it costs. */
export interface BudgetEntry<V> {
  readonly key: string;
  readonly bytes: number;
  readonly value: V;
}

/** Counters of a budget. */
export interface BudgetStats {
  /** Bytes counted now: cached entries, plus removed entries still pinned. */
  bytes: number;
  /** Of those, bytes pinned by readers. */
  pinnedBytes: number;
  entries: number;
  evictions: number;
  /** Entries refused because they did not fit beside pinned ones. */
  refused: number;
}

/** A byte-budgeted LRU with pins. */
export interface Budget<V> {
  /** The entry under `key`, made most recently used. */
  get(key: string): BudgetEntry<V> | undefined;
  /** Adds `make()` under `key` (which must be absent), evicting as needed; null when it cannot fit. */
  add(key: string, bytes: number, make: () => V): BudgetEntry<V> | null;
  /** Forgets `key`, if `entry` is still the one stored there; pinned bytes stay counted until released. */
  delete(key: string, entry?: BudgetEntry<V>): void;
  /** Marks an entry in use; the returned function (idempotent) releases it. */
  pin(entry: BudgetEntry<V>): () => void;
  stats(): BudgetStats;
}

interface Slot<V> extends BudgetEntry<V> {
  pins: number;
  stored: boolean;
}

/** Creates a budget of `maxBytes`. */
export function createBudget<V>(maxBytes: number): Budget<V> {
  const slots = new Map<string, Slot<V>>(); // insertion order = LRU order
  let bytes = 0;
  let pinnedBytes = 0;
  let evictions = 0;
  let refused = 0;

  const drop = (slot: Slot<V>): void => {
    slots.delete(slot.key);
    slot.stored = false;
    if (slot.pins === 0) bytes -= slot.bytes;
  };

  return {
    get(key) {
      const slot = slots.get(key);
      if (!slot) return undefined;
      slots.delete(key);
      slots.set(key, slot);
      return slot;
    },
    add(key, size, make) {
      if (slots.has(key)) throw new Error(`budget: ${key} is already cached`);
      if (pinnedBytes + size > maxBytes) {
        refused++;
        return null;
      }
      for (const slot of slots.values()) {
        if (bytes + size <= maxBytes) break;
        if (slot.pins > 0) continue;
        drop(slot);
        evictions++;
      }
      const slot: Slot<V> = { key, bytes: size, value: make(), pins: 0, stored: true };
      slots.set(key, slot);
      bytes += size;
      return slot;
    },
    delete(key, entry) {
      const slot = slots.get(key);
      if (slot && (entry === undefined || slot === entry)) drop(slot);
    },
    pin(entry) {
      const slot = entry as Slot<V>;
      if (slot.pins++ === 0) {
        pinnedBytes += slot.bytes;
        // A removed entry taken into use again is memory again.
        if (!slot.stored) bytes += slot.bytes;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--slot.pins > 0) return;
        pinnedBytes -= slot.bytes;
        if (!slot.stored) bytes -= slot.bytes;
      };
    },
    stats: () => ({ bytes, pinnedBytes, entries: slots.size, evictions, refused }),
  };
}
