// Help text, generated from the command specs: the top level, a group
// (`bootherd nodes --help`) and one command with exactly its own flags.
import type { Command, FlagSpec, PositionalSpec } from './command.js';

const helpFlag: FlagSpec = { type: 'boolean', short: 'h', help: 'show this help' };

function positionalLabel(p: PositionalSpec, cmd: Command): string {
  let s = p.variadic ? `${p.name}...` : p.name;
  if (p.replacedBy) s = `${s}|${p.replacedBy.map((f) => (cmd.flags[f]?.short ? `-${cmd.flags[f]!.short}` : `--${f}`)).join('|')}`;
  return p.optional ? `[${s}]` : s;
}

/** `bootherd nodes action NODE|-l|--state|--all ACTION [flags]` */
export function usageLine(cmd: Command): string {
  const pos = (cmd.positionals ?? []).map((p) => positionalLabel(p, cmd));
  return ['bootherd', cmd.name, ...pos, '[flags]'].join(' ');
}

function columns(rows: Array<[string, string]>, indent = '  ', max = 34): string[] {
  const width = Math.min(max, Math.max(...rows.map(([l]) => l.length)));
  return rows.map(([l, r]) => (l.length > width ? `${indent}${l}\n${indent}${' '.repeat(width)}  ${r}` : `${indent}${l.padEnd(width)}  ${r}`));
}

function flagRows(flags: Record<string, FlagSpec>): Array<[string, string]> {
  return Object.entries(flags).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.value ? ` ${f.value}` : ''}`;
    return [left, `${f.help}${f.multiple ? ' (repeatable)' : ''}`];
  });
}

/** The help of one command: usage, summary, arguments, its flags, examples. */
export function commandHelp(cmd: Command): string {
  const out = [`usage: ${usageLine(cmd)}`, '', cmd.summary + (cmd.summary.endsWith('.') ? '' : '.')];
  if (cmd.description) out.push('', cmd.description);
  const pos = cmd.positionals ?? [];
  if (pos.length) out.push('', 'arguments:', ...columns(pos.map((p) => [p.variadic ? `${p.name}...` : p.name, p.choices ? `${p.help} (${p.choices.join(', ')})` : p.help])));
  out.push('', 'flags:', ...columns(flagRows({ ...cmd.flags, help: helpFlag })));
  if (cmd.examples.length) out.push('', 'examples:', ...cmd.examples.map((e) => `  ${e}`));
  return out.join('\n') + '\n';
}

/** The help of a group such as `nodes`: its commands with their summaries. */
export function groupHelp(group: string, commands: readonly Command[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  return [
    `usage: bootherd ${group} COMMAND [flags]`,
    '',
    'commands:',
    ...columns(members.map((c) => [c.name, c.summary])),
    '',
    `'bootherd ${group} COMMAND --help' shows a command's flags and examples.`,
  ].join('\n') + '\n';
}

/** The top-level help: every command with its summary. */
export function topHelp(commands: readonly Command[]): string {
  return [
    'usage: bootherd COMMAND [flags]',
    '',
    'bootherd network-boots Raspberry Pi racks and PXE/iPXE servers: it enrolls boards as they',
    'first boot, serves each one its boot target over TFTP and HTTP, and rescues wedged ones.',
    '',
    'commands:',
    ...columns(commands.map((c) => [c.name, c.summary])),
    '',
    'flags:',
    ...columns([['-h, --help', 'show this help'], ['    --version', 'print the version']]),
    '',
    "'bootherd COMMAND --help' shows a command's flags and examples.",
    'exit codes: 0 ok, 1 error, 2 usage',
  ].join('\n') + '\n';
}
