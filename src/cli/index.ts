#!/usr/bin/env node
// The `bootherd` command: finds the command in the registry, reads its flags
// and arguments against its spec, runs it, and turns errors into a message
// and an exit code (0 ok, 1 error, 2 usage) in this one place.
import { AppError, ConfigError } from '../errors.js';
import { version } from '../paths.js';
import { ApiError } from './client.js';
import type { Command, Io } from './command.js';
import { commandHelp, groupHelp, topHelp } from './help.js';
import { findCommand, parseLine, tokenize } from './parse.js';
import { commands } from './registry.js';
import { UsageError } from './usage.js';

const line = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
const io: Io = {
  out: (s) => void process.stdout.write(line(s)),
  err: (s) => void process.stderr.write(line(s)),
  write: (d) => void process.stdout.write(d),
};

/** Runs one command line; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const found = findCommand(commands, argv);
  if ('top' in found) {
    const { raw } = tokenize(found.rest, { help: { type: 'boolean', short: 'h', help: '' }, version: { type: 'boolean', help: '' } }, '');
    if (raw.version) return (io.out(version()), 0);
    if (raw.help) return (io.out(topHelp(commands)), 0);
    return (io.err(topHelp(commands)), 2);
  }
  if ('group' in found) {
    if (found.rest.includes('--help') || found.rest.includes('-h')) return (io.out(groupHelp(found.group, commands)), 0);
    const subs = commands.filter((c) => c.name.startsWith(`${found.group} `)).map((c) => c.name.split(' ')[1]);
    throw new UsageError(`'${found.group}' needs a command: ${subs.join(', ')} (bootherd ${found.group} --help)`);
  }
  const parsed = parseLine(found.command, found.rest);
  if (parsed.help) return (io.out(commandHelp(found.command)), 0);
  return (await found.command.run({ flags: parsed.flags as Parameters<Command['run']>[0]['flags'], args: parsed.args, rest: parsed.rest, raw: parsed.raw, io })) ?? 0;
}

/** The one place errors become a message and an exit code. */
export function fail(err: unknown): number {
  if (err instanceof UsageError) return (io.err(`bootherd: ${err.message}`), 2);
  if (err instanceof ConfigError || err instanceof AppError || err instanceof ApiError) return (io.err(`bootherd: ${err.message}`), 1);
  io.err(`bootherd: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => (process.exitCode = fail(err)),
);
