// Checks command-line values with the same zod schemas as the API and says
// what is required in plain words, once, instead of printing zod's own text.
import type { z } from 'zod';
import { closest } from './suggest.js';
import { UsageError } from './usage.js';

type ZodIssue = z.core.$ZodIssue;

const typeWords: Record<string, string> = { number: 'a number', string: 'text', boolean: 'true or false', object: 'an object', array: 'a list', int: 'a whole number' };

/** One zod issue as a plain sentence. */
export function plainIssue(i: ZodIssue): string {
  const origin = (i as { origin?: string }).origin;
  switch (i.code) {
    case 'invalid_value':
      return `must be ${i.values.length === 1 ? JSON.stringify(i.values[0]) : `one of ${i.values.map(String).join(', ')}`}`;
    case 'invalid_type':
      return /received undefined/.test(i.message) ? 'is required' : `must be ${typeWords[i.expected] ?? i.expected}`;
    case 'too_small':
      return origin === 'string' ? `must be at least ${i.minimum} characters` : origin === 'array' ? `needs at least ${i.minimum} items` : `must be at least ${i.minimum}`;
    case 'too_big':
      return origin === 'string' ? `must be at most ${i.maximum} characters` : origin === 'array' ? `takes at most ${i.maximum} items` : `must be at most ${i.maximum}`;
    case 'unrecognized_keys':
      return `unknown field${i.keys.length > 1 ? 's' : ''}: ${i.keys.join(', ')}`;
    case 'invalid_union':
      return (i as { discriminator?: string }).discriminator ? 'is not a known kind' : 'is not valid here';
    default:
      return i.message;
  }
}

/** Issues as `path: sentence` lines; `prefix` names the value in front of each path. */
export function plainIssues(issues: readonly ZodIssue[], prefix = ''): string[] {
  return issues.map((i) => {
    const p = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return p ? `${p}: ${plainIssue(i)}` : plainIssue(i);
  });
}

/** Parses `value` with `schema`; a UsageError naming `what` and what is required otherwise. */
export function parseValue<S extends z.ZodType>(schema: S, value: unknown, what: string, prefix = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const lines = plainIssues(r.error.issues, prefix);
  throw new UsageError(lines.length === 1 ? `${what}: ${lines[0]}` : `${what}:\n  ${lines.join('\n  ')}`);
}

/** Refuses a value outside `choices`, suggesting the nearest one. */
export function checkChoice(value: string, choices: readonly string[], what: string): string {
  if (choices.includes(value)) return value;
  const near = closest(value, choices);
  throw new UsageError(`${what}: ${JSON.stringify(value)} is not one of ${choices.join(', ')}${near ? `; did you mean ${near}?` : ''}`);
}
