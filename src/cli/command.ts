// One `bootherd` command is one declarative spec: name, summary, flags with
// types and help, positionals, examples and a run function. The parser, the
// help, the did-you-mean suggestions and shell completion all read the specs
// in registry.ts, so nothing describes a command twice.
import type { z } from 'zod';
import type { Flags } from '../config.js';

/** One flag; its key in `flags` is the long name without dashes (`data-dir`). */
export interface FlagSpec {
  type: 'string' | 'boolean';
  help: string;
  short?: string;
  /** The value's name in help and errors (`HOST:PORT`). */
  value?: string;
  multiple?: boolean;
  /** Allowed values: offered by completion, refused with a suggestion otherwise. */
  choices?: readonly string[];
  /** Checks and converts the value: the same schema the API or the config uses. */
  schema?: z.ZodType;
  /** What completion offers for the value. */
  complete?: 'file' | 'dir';
}

/** One positional argument (`NODE`, `KEY=VALUE...`). */
export interface PositionalSpec {
  name: string;
  help: string;
  optional?: boolean;
  /** Takes every remaining argument. */
  variadic?: boolean;
  choices?: readonly string[];
  /** Flags that stand in for this argument (a node selector instead of NODE). */
  replacedBy?: readonly string[];
  complete?: 'file' | 'dir';
}

type FlagValue<S> = S extends { schema: z.ZodType<infer T> }
  ? S extends { multiple: true } ? Array<Exclude<T, undefined>> : T | undefined
  : S extends { type: 'boolean' } ? boolean
  : S extends { multiple: true } ? string[]
  : string | undefined;

/** The parsed values of a command's flags, typed from its spec. */
export type FlagValues<F> = { [K in keyof F]: FlagValue<F[K]> };

/** Where a command writes. */
export interface Io {
  /** A line (or lines) of text to stdout; a newline is added when missing. */
  out(text: string): void;
  /** A line to stderr. */
  err(text: string): void;
  /** Bytes to stdout as they are. */
  write(data: Buffer | string): void;
}

/** What a command's run function gets. */
export interface CommandContext<F> {
  flags: FlagValues<F>;
  /** Single positionals by their spec name. */
  args: Record<string, string | undefined>;
  /** The values of the variadic positional, if the spec has one. */
  rest: string[];
  /** Flags as given on the command line, for loadConfig / loadClientConfig. */
  raw: Flags;
  io: Io;
}

/** A command as written in its own file. */
export interface CommandSpec<F extends Record<string, FlagSpec>> {
  /** Words that name it: `nodes list`. */
  name: string;
  summary: string;
  /** A paragraph for `--help`, below the summary. */
  description?: string;
  flags: F;
  positionals?: readonly PositionalSpec[];
  /** Whole command lines, shown in `--help`. */
  examples: readonly string[];
  /** Exit code 0 when it returns nothing. */
  run(ctx: CommandContext<F>): Promise<number | void>;
}

/** A command as the registry holds it. */
export type Command = CommandSpec<Record<string, FlagSpec>>;

/** Declares a command; the flag types of `run` follow from the spec. */
export function defineCommand<const F extends Record<string, FlagSpec>>(spec: CommandSpec<F>): Command {
  return spec as unknown as Command;
}
