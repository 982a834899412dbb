// Rate limits whose memory does not grow with what strangers send: a global
// token bucket and per-key buckets in a map capped at maxKeys (oldest first out).

/** A token bucket: `burst` tokens, one more every `intervalMs`. */
export interface Bucket {
  take(now: number): boolean;
}

/** Creates a token bucket. */
export function createBucket(burst: number, intervalMs: number): Bucket {
  let tokens = burst;
  let at = 0;
  return {
    take(now) {
      if (at === 0) at = now;
      tokens = Math.min(burst, tokens + (now - at) / intervalMs);
      at = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/** Per-key token buckets, at most maxKeys of them. */
export interface KeyedLimiter {
  take(key: string, now: number): boolean;
  size(): number;
}

/** Creates per-key buckets; when full, the least recently used key is forgotten (its client starts afresh). */
export function createKeyedLimiter(opts: { burst: number; intervalMs: number; maxKeys: number }): KeyedLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, now) {
      let b = buckets.get(key);
      if (b) buckets.delete(key);
      else {
        if (buckets.size >= opts.maxKeys) buckets.delete(buckets.keys().next().value!);
        b = { tokens: opts.burst, at: now };
      }
      b.tokens = Math.min(opts.burst, b.tokens + (now - b.at) / opts.intervalMs);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    size: () => buckets.size,
  };
}
