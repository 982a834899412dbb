// Simulated boards as a power device: a switchboard maps each port to one
// board's power hooks (src/sim boards have them), and this driver switches
// them like a PoE switch switches its ports. A switchboard is a live object
// of the process, never JSON, so no config file and no API body can make a
// `sim` controller: only a process that built the boards (`bootherd demo`, a
// test) can hand one over.
import { z } from 'zod';
import { PowerDeviceError, type DriverDeps, type PowerDriver, type PowerReply, type PowerTarget } from '../power.js';

/** What the driver needs of one board: its power switch and, for `port: auto`, its MACs. */
export interface SimBoardHooks {
  powerOn(): void;
  powerOff(): void;
  /** Off, `offMs` of the board's time, on. */
  cycle(offMs?: number): Promise<void>;
  status(): 'on' | 'off';
  macs?: readonly string[];
}

/** Ports (`"1"`, `"2"`, ...) -> the board on each. */
export type SimSwitchboard = Readonly<Record<string, SimBoardHooks>>;

const isHooks = (v: unknown): v is SimBoardHooks =>
  typeof v === 'object' && v !== null && ['powerOn', 'powerOff', 'cycle', 'status'].every((f) => typeof (v as Record<string, unknown>)[f] === 'function');

const isSwitchboard = (v: unknown): v is SimSwitchboard =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0 && Object.values(v).every(isHooks);

/** A switchboard as params hold it: shows itself as a count of boards, never as the boards. */
export class SimPorts {
  constructor(readonly ports: SimSwitchboard) {}
  toJSON(): string {
    const names = Object.keys(this.ports);
    return `${names.length} simulated board${names.length === 1 ? '' : 's'} on ports ${names.length > 3 ? `${names[0]}..${names[names.length - 1]}` : names.join(', ')}`;
  }
}

/** Params of a sim controller: the switchboard (a live object, so never from a file or the API) and the off time of a cycle. */
export const simParams = z.strictObject({
  switchboard: z
    .custom<SimSwitchboard | SimPorts>((v) => v instanceof SimPorts || isSwitchboard(v), {
      message: 'the sim driver switches simulated boards and exists only inside `bootherd demo` (or a test) that registers their switchboard; a config file or an API request cannot provide one',
    })
    .transform((v) => (v instanceof SimPorts ? v : new SimPorts(v))),
  /** Board seconds a cycle keeps the port off (the board's clock scales them). */
  offSeconds: z.number().min(0).max(600).default(5),
});
/** Parsed sim params. */
export type SimParams = z.infer<typeof simParams>;

/** Creates a sim driver over the boards of its switchboard. */
export function createSimDriver(params: SimParams, deps: DriverDeps): PowerDriver {
  const where = `sim ${deps.name}`;
  const ports = params.switchboard.ports;
  const board = (t: PowerTarget): SimBoardHooks => {
    const b = ports[t.port];
    if (!b) throw new PowerDeviceError(`${where}: no board on port ${t.port} (ports: ${Object.keys(ports).join(', ')})`);
    return b;
  };
  const done = (t: PowerTarget, what: string, b: SimBoardHooks): PowerReply => ({ done: true, detail: `${where}: port ${t.port}: ${what}`, state: b.status() });
  return {
    kind: 'sim',
    async on(t) {
      const b = board(t);
      b.powerOn();
      return done(t, 'on', b);
    },
    async off(t) {
      const b = board(t);
      b.powerOff();
      return done(t, 'off', b);
    },
    async cycle(t) {
      const b = board(t);
      await b.cycle(params.offSeconds * 1000);
      return done(t, `cycled (off ${params.offSeconds} s)`, b);
    },
    async status(t) {
      const b = board(t);
      const state = b.status();
      return { done: true, state, detail: `${where}: port ${t.port}: ${state}` };
    },
    async findPort(macs) {
      const wanted = new Set(macs.map((m) => m.toLowerCase()));
      return Object.entries(ports).find(([, b]) => b.macs?.some((m) => wanted.has(m.toLowerCase())))?.[0] ?? null;
    },
  };
}
