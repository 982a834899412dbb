// Reads a command line against the registry: the leading words name the
// command, then its flags and positionals are read and every value checked.
// Mistakes become one-line UsageErrors that say what was meant.
import type { Flags } from '../config.js';
import type { Command, FlagSpec, PositionalSpec } from './command.js';
import { usageLine } from './help.js';
import { closest } from './suggest.js';
import { UsageError } from './usage.js';
import { checkChoice, parseValue } from './values.js';

/** What the leading words of a command line name. */
export type Found = { command: Command; rest: string[] } | { group: string; rest: string[] } | { top: true; rest: string[] };

/** A command line read against its command. */
export interface ParsedLine {
  help: boolean;
  flags: Record<string, unknown>;
  raw: Flags;
  args: Record<string, string | undefined>;
  rest: string[];
}

/** Every command accepts -h/--help. */
export const helpFlag: FlagSpec = { type: 'boolean', short: 'h', help: 'show this help' };

const firstWords = (commands: readonly Command[]) => [...new Set(commands.map((c) => c.name.split(' ')[0]!))];

/** Finds the command named by the leading words of `argv` (longest name first). */
export function findCommand(commands: readonly Command[], argv: readonly string[]): Found {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  for (let n = Math.min(words.length, 3); n >= 1; n--) {
    const command = commands.find((c) => c.name === words.slice(0, n).join(' '));
    if (command) return { command, rest: argv.slice(n) };
  }
  const [first, second] = words;
  if (first === undefined) return { top: true, rest: [...argv] };
  const subs = commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name.split(' ')[1]!);
  if (subs.length && second === undefined) return { group: first, rest: argv.slice(1) };
  if (subs.length) {
    const near = closest(second!, subs);
    throw new UsageError(`unknown command '${first} ${second}'${near ? `; did you mean '${first} ${near}'?` : `; '${first}' has: ${subs.join(', ')}`}`);
  }
  const near = closest(first, firstWords(commands));
  throw new UsageError(`unknown command '${first}'${near ? `; did you mean '${near}'?` : "; see 'bootherd --help'"}`);
}

/** `--http HOST:PORT`, `-o FORMAT`: a flag as help and errors name it. */
export function flagLabel(name: string, spec: FlagSpec): string {
  return `--${name}${spec.value ? ` ${spec.value}` : ''}`;
}

function unknownFlag(given: string, specs: Record<string, FlagSpec>, where: string): UsageError {
  const names = Object.keys(specs);
  const near = given.startsWith('--') ? closest(given.slice(2), names) : null;
  if (near) return new UsageError(`unknown flag ${given}; did you mean ${flagLabel(near, specs[near]!)}?`);
  if (!where) return new UsageError(`unknown flag ${given}; see 'bootherd --help'`);
  return new UsageError(`unknown flag ${given} for '${where}'; see 'bootherd ${where} --help'`);
}

/** Splits argv into flags as given (by long name) and positionals; no value is checked yet. */
export function tokenize(argv: readonly string[], specs: Record<string, FlagSpec>, where: string): { raw: Flags; positionals: string[] } {
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  const raw: Flags = {};
  const positionals: string[] = [];
  const set = (name: string, value: string | undefined) => {
    const spec = specs[name]!;
    if (spec.type === 'boolean') return void (raw[name] = true);
    if (value === undefined) throw new UsageError(`${flagLabel(name, spec).split(' ')[0]} needs a value${spec.value ? `: ${spec.value}` : ''}`);
    raw[name] = spec.multiple ? [...((raw[name] as string[] | undefined) ?? []), value] : value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const spec = specs[name];
      if (!spec) throw unknownFlag(`--${name}`, specs, where);
      if (spec.type === 'boolean' && eq >= 0) throw new UsageError(`--${name} takes no value`);
      set(name, spec.type === 'boolean' ? undefined : eq >= 0 ? a.slice(eq + 1) : argv[++i]);
    } else if (a.length > 1 && a.startsWith('-') && !/^-\d/.test(a)) {
      for (let j = 1; j < a.length; j++) {
        const name = byShort.get(a[j]!);
        if (!name) throw unknownFlag(`-${a[j]}`, specs, where);
        if (specs[name]!.type === 'boolean') set(name, undefined);
        else {
          set(name, j + 1 < a.length ? a.slice(j + 1).replace(/^=/, '') : argv[++i]);
          break;
        }
      }
    } else positionals.push(a);
  }
  return { raw, positionals };
}

function checkOne(name: string, spec: FlagSpec, v: string): unknown {
  const what = `--${name}`;
  if (spec.choices) checkChoice(v, spec.choices, what);
  return spec.schema ? parseValue(spec.schema, v, what) : v;
}

function checkFlags(specs: Record<string, FlagSpec>, raw: Flags): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = raw[name];
    if (spec.type === 'boolean') flags[name] = v === true;
    else if (spec.multiple) flags[name] = ((v as string[] | undefined) ?? []).map((x) => checkOne(name, spec, x));
    else flags[name] = v === undefined ? undefined : checkOne(name, spec, v as string);
  }
  return flags;
}

function replacement(p: PositionalSpec, specs: Record<string, FlagSpec>): string {
  return (p.replacedBy ?? []).map((n) => (specs[n]?.short ? `-${specs[n]!.short}` : flagLabel(n, specs[n]!))).join(', ');
}

function assignPositionals(cmd: Command, positionals: string[], raw: Flags): { args: Record<string, string | undefined>; rest: string[] } {
  const args: Record<string, string | undefined> = {};
  let rest: string[] = [];
  let i = 0;
  const isReplaced = (p: PositionalSpec) => p.replacedBy?.some((f) => raw[f] !== undefined) ?? false;
  const specs = cmd.positionals ?? [];
  const replaced = specs.find(isReplaced) ?? null;
  const kept = specs.filter((p) => !isReplaced(p));
  if (replaced && !kept.some((p) => p.variadic) && positionals.length > kept.length) {
    throw new UsageError(`${cmd.name}: unexpected argument ${JSON.stringify(positionals[0])}: name ${replaced.name} or select with ${replacement(replaced, cmd.flags)}, not both`);
  }
  for (const p of kept) {
    if (p.variadic) {
      rest = positionals.slice(i);
      i = positionals.length;
      if (!p.optional && rest.length === 0) throw new UsageError(`${cmd.name}: missing ${p.name}; usage: ${usageLine(cmd)}`);
      if (p.choices) for (const v of rest) checkChoice(v, p.choices, p.name);
      continue;
    }
    const v = positionals[i++];
    if (v === undefined) {
      if (p.optional) continue;
      const or = p.replacedBy ? ` (or select nodes with ${replacement(p, cmd.flags)})` : '';
      throw new UsageError(`${cmd.name}: missing ${p.name}${or}; usage: ${usageLine(cmd)}`);
    }
    args[p.name] = p.choices ? checkChoice(v, p.choices, p.name) : v;
  }
  if (i < positionals.length) throw new UsageError(`${cmd.name}: unexpected argument ${JSON.stringify(positionals[i])}; usage: ${usageLine(cmd)}`);
  return { args, rest };
}

/** Reads `argv` (what follows the command's name) against the command's spec. */
export function parseLine(cmd: Command, argv: readonly string[]): ParsedLine {
  const specs = { ...cmd.flags, help: helpFlag };
  const { raw, positionals } = tokenize(argv, specs, cmd.name);
  if (raw.help) return { help: true, flags: {}, raw, args: {}, rest: [] };
  const flags = checkFlags(cmd.flags, raw);
  return { help: false, flags, raw, ...assignPositionals(cmd, positionals, raw) };
}
