// Any program as a power driver (uhubctl, clusterctrl, Turing Pi `tpi`, a QMP
// script): an argv array with placeholders, run without a shell, with a
// timeout; exit 0 is success. Placeholders expand inside one argument and
// never split it, so a hostile value stays a single argument.
import { z } from 'zod';
import { outputTail, runProgram } from '../../exec.js';
import { PowerDeviceError, type DriverDeps, type PowerDriver, type PowerOp, type PowerReply, type PowerTarget } from '../power.js';
import { timeoutMs } from './params.js';

const placeholders = ['port', 'node.id', 'node.hostname', 'node.mac', 'op'] as const;
const placeholderRe = /\{([a-z.]+)\}/g;

const argvSchema = z.array(z.string().max(4096).refine((a) => !a.includes('\0'), { message: 'no NUL bytes' })).min(1).max(256).superRefine((argv, ctx) => {
  argv.forEach((arg, i) => {
    for (const m of arg.matchAll(placeholderRe)) {
      if (!(placeholders as readonly string[]).includes(m[1]!)) ctx.addIssue({ code: 'custom', path: [i], message: `unknown placeholder {${m[1]}} (known: ${placeholders.map((p) => `{${p}}`).join(' ')})` });
    }
  });
});

/** Params of a command controller: `argv` for every op, or one argv per op. */
export const commandParams = z.strictObject({
  argv: argvSchema.optional(),
  on: argvSchema.optional(),
  off: argvSchema.optional(),
  cycle: argvSchema.optional(),
  status: argvSchema.optional(),
  timeoutMs: timeoutMs(30_000),
}).superRefine((p, ctx) => {
  for (const op of ['on', 'off', 'cycle'] as const) {
    if (!p[op] && !p.argv) ctx.addIssue({ code: 'custom', path: [op], message: `no command for '${op}': give argv (with {op}) or ${op}` });
  }
});
/** Parsed command params. */
export type CommandParams = z.infer<typeof commandParams>;

/** Expands the placeholders of `argv` for one request; each element stays one argument. */
export function expandArgv(argv: readonly string[], t: PowerTarget, op: PowerOp): string[] {
  const values: Record<string, string> = { port: t.port, 'node.id': t.node.id, 'node.hostname': t.node.hostname ?? '', 'node.mac': t.node.mac ?? '', op };
  return argv.map((arg) => arg.replace(placeholderRe, (whole, key: string) => values[key] ?? whole));
}

/** Creates a command driver. */
export function createCommandDriver(params: CommandParams, deps: DriverDeps): PowerDriver {
  const where = `command ${deps.name}`;
  async function run(op: PowerOp, t: PowerTarget): Promise<string> {
    const argv = params[op] ?? params.argv;
    if (!argv) throw new PowerDeviceError(`${where}: no command configured for '${op}'`);
    const expanded = expandArgv(argv, t, op);
    const r = await runProgram(expanded, { timeoutMs: params.timeoutMs, logger: deps.logger, maxBytes: 64 * 1024 }).catch((err: unknown) => {
      throw new PowerDeviceError(`${where}: ${op}: ${(err as Error).message}`, { cause: err });
    });
    if (r.code !== 0) throw new PowerDeviceError(`${where}: ${op}: ${expanded[0]} exit ${r.code}: ${outputTail(r) || 'no output'}`);
    return r.stdout.toString('utf8').trim().split('\n').slice(-3).join(' | ');
  }
  const act = async (op: 'on' | 'off' | 'cycle', t: PowerTarget): Promise<PowerReply> => {
    const out = await run(op, t);
    return { done: true, detail: `${where}: ${op} ok${out ? `: ${out.slice(0, 300)}` : ''}` };
  };
  return {
    kind: 'command',
    on: (t) => act('on', t),
    off: (t) => act('off', t),
    cycle: (t) => act('cycle', t),
    async status(t) {
      const out = await run('status', t);
      const word = /^\s*(on|off)\b/i.exec(out)?.[1]?.toLowerCase();
      return { done: true, state: word === 'on' || word === 'off' ? word : 'unknown', detail: `${where}: status: ${out.slice(0, 300) || 'no output'}` };
    },
  };
}
