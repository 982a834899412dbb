// Reading a boot target from the command line: `KIND KEY=VALUE...` (dots
// nest: then.kind=usb-root) or one JSON object, checked by the API's schema.
import { targetSchema, type Target } from '../domain/targets.js';
import { UsageError } from './usage.js';
import { checkChoice, parseValue } from './values.js';

export { table } from './format.js';

const kinds = targetSchema.options.map((o) => o.shape.kind.value);

/** Builds the target object from `KIND KEY=VALUE...` or one JSON argument, unchecked (a rule's target may hold placeholders). */
export function targetObject(args: string[]): Record<string, unknown> {
  const [first, ...rest] = args;
  if (!first) throw new UsageError(`a target is required: KIND [KEY=VALUE...] (${kinds.join(', ')}) or a JSON object`);
  let target: Record<string, unknown>;
  if (first.trim().startsWith('{')) {
    try {
      target = JSON.parse(first) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`target: not valid JSON: ${(err as Error).message}`);
    }
  } else {
    target = { kind: checkChoice(first, kinds, 'target kind') };
    for (const kv of rest) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`target: expected KEY=VALUE, got ${JSON.stringify(kv)}`);
      const keys = kv.slice(0, eq).split('.');
      let obj = target;
      for (const k of keys.slice(0, -1)) obj = (obj[k] ??= {}) as Record<string, unknown>;
      obj[keys[keys.length - 1]!] = kv.slice(eq + 1);
    }
  }
  return target;
}

/** Parses `KIND KEY=VALUE...` or one JSON argument into a target checked by the API's schema. */
export function parseTargetArgs(args: string[]): Target {
  return parseValue(targetSchema, targetObject(args), 'target');
}
