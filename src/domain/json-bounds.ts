// Bounds on parsed JSON values, measured without recursion: a value nested
// 100,000 deep must be refused, not overflow the stack of whoever looks at it
// (JSON.stringify, a validator, a logger).

/** True if `value` nests arrays/objects more than `max` levels deep (`[[1]]` is 2 levels); iterative. */
export function jsonDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** The size of `value` serialized as JSON, in UTF-8 bytes; call only on values already bounded in depth. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}
