// One simulated board: power hooks (on, off, cycle, status), and while it is
// on, its life: boot loops until one reaches the kernel, then what that
// kernel runs (agent, deployed OS, its own disk), and a reboot when the agent
// is told so. Off means off: sockets closed, timers gone, nothing sent.
import { setMaxListeners } from 'node:events';
import { createRng, hang, type SimClock } from './clock.js';
import { runAgent } from './agent.js';
import { sendGarbage } from './garbage.js';
import { createBoardHttp, type BoardHttp } from './http-client.js';
import { ipxeNetboot } from './ipxe-firmware.js';
import type { Link } from './link.js';
import type { NetbootResult } from './netboot.js';
import type { WireTap } from './net.js';
import { osFor, runDeployedOs } from './os.js';
import { piNetboot } from './pi-firmware.js';
import { defaultQuirks, defaultTimings, type BoardContext, type BoardEvent, type BoardMemory, type BoardSpec, type BoardTimings, type BootNetwork, type Misbehaviour, type PiQuirks } from './types.js';

/** What every board of a simulation shares. */
export interface BoardEnv {
  network: BootNetwork;
  link: Link;
  clock: SimClock;
  timings?: Partial<BoardTimings>;
  quirks?: Partial<PiQuirks>;
  /** Hash every file received (tests). */
  verify?: boolean;
  tap?: WireTap;
  onEvent?: (board: Board, e: BoardEvent) => void;
  /** Events kept per board, oldest dropped first (default 400). */
  maxEvents?: number;
  /** Stop once the kernel and initramfs are loaded (TFTP-only storms). */
  netbootOnly?: boolean;
}

/** One network boot of a board: how many loops it took. */
export interface BootRecord {
  n: number;
  loops: number;
  /** Reached kernel and initramfs on its first loop; null while booting or for a local boot. */
  firstTry: boolean | null;
  os: string | null;
}

/** A board as observers see it. */
export interface BoardSnapshot {
  name: string;
  power: 'on' | 'off';
  /** The latest thing that happened (dhcp, firmware, kernel, agent, os-up, panic, ...). */
  phase: string;
  boots: BootRecord[];
  /** Real ms (simulation time) of the first heartbeat bootherd took from the current OS, or of os-up when it sends none. */
  upAt: number | null;
  os: string | null;
  loopFailures: number;
}

/** A board with power hooks, as a `sim` power driver switches it. */
export interface Board {
  readonly spec: BoardSpec;
  readonly events: BoardEvent[];
  readonly memory: BoardMemory;
  powerOn(): void;
  powerOff(): void;
  /** Off, `offMs` of board time, on; a powerOff() during the wait keeps it off. */
  cycle(offMs?: number): Promise<void>;
  status(): 'on' | 'off';
  snapshot(): BoardSnapshot;
  /** Changes how the board misbehaves from now on (a wedge made on purpose, e.g. heartbeats stopping). */
  misbehave(m: Misbehaviour | undefined): void;
}

/** Creates a board, switched off. */
export function createBoard(spec: BoardSpec, env: BoardEnv): Board {
  const timings = { ...defaultTimings, ...env.timings };
  const quirks = { ...defaultQuirks, ...env.quirks };
  const memory: BoardMemory = { serverUrl: null, nodeId: null, bootToken: null, agentToken: null, heartbeatWith: null };
  const events: BoardEvent[] = [];
  const snap: BoardSnapshot = { name: spec.name, power: 'off', phase: 'off', boots: [], upAt: null, os: null, loopFailures: 0 };
  let power: AbortController | null = null;
  let offWait: AbortController | null = null;
  const rng = createRng(spec.seed);
  const board: Board = {
    spec, events, memory,
    powerOn() {
      if (power) return;
      const ctl = new AbortController();
      setMaxListeners(64, ctl.signal); // sockets, timers and requests of one board all watch its power
      power = ctl;
      snap.power = 'on';
      record('power-on');
      void life(ctl.signal);
    },
    powerOff() {
      offWait?.abort();
      offWait = null;
      if (!power) return;
      power.abort(new Error('powered off'));
      power = null;
      snap.power = 'off';
      snap.upAt = null;
      snap.os = null;
      record('power-off');
    },
    async cycle(offMs = 5000) {
      board.powerOff();
      const wait = new AbortController();
      offWait = wait;
      // Switched off again meanwhile (by hand, or the rack shutting down): the last word wins and it stays off.
      const on = await env.clock.sleep(offMs, wait.signal).then(() => true, () => false);
      if (!on) return;
      offWait = null;
      board.powerOn();
    },
    status: () => (power ? 'on' : 'off'),
    snapshot: () => ({ ...snap, boots: snap.boots.map((b) => ({ ...b })) }),
    misbehave(m) {
      spec.misbehave = m;
    },
  };

  function record(kind: string, detail?: Record<string, unknown>): void {
    const e: BoardEvent = { at: env.clock.now(), kind, ...(detail ? { detail } : {}) };
    if (kind !== 'tftp' && kind !== 'loop') snap.phase = kind;
    if (kind === 'heartbeat-accepted' || (kind === 'os-up' && detail?.heartbeats === false)) snap.upAt ??= e.at;
    if (kind === 'os-up') snap.os = String(detail?.os);
    if (kind === 'loop-failed') snap.loopFailures++;
    events.push(e);
    if (events.length > (env.maxEvents ?? 400)) events.shift();
    env.onEvent?.(board, e);
  }

  async function life(signal: AbortSignal): Promise<void> {
    const net = { name: spec.name, address: spec.address, link: env.link, lossShare: spec.misbehave?.lossShare ?? 0, rng, tap: env.tap };
    const ctx: BoardContext = { spec, net, clock: env.clock, signal, network: env.network, timings, quirks, memory, verify: env.verify ?? false, record };
    const http = createBoardHttp(net, signal);
    try {
      if (spec.misbehave?.garbage) await sendGarbage(ctx, http, env.network.httpUrl);
      for (;;) {
        const end = await bootOnce(ctx, http);
        if (end === 'poweroff') {
          record('halted');
          return hang(signal);
        }
        record('reboot');
        snap.upAt = null;
        snap.os = null;
      }
    } catch (err) {
      if (!signal.aborted) record('crash', { message: (err as Error).message });
    } finally {
      http.destroy();
    }
  }

  // One boot: loops until the network (or the local disk) gives it something to run, then runs it.
  async function bootOnce(ctx: BoardContext, http: BoardHttp): Promise<'reboot' | 'poweroff'> {
    const boot: BootRecord = { n: snap.boots.length + 1, loops: 0, firstTry: null, os: null };
    snap.boots.push(boot);
    let result: NetbootResult;
    for (;;) {
      boot.loops++;
      record('loop', { boot: boot.n, loop: boot.loops });
      result = spec.kind === 'x86' ? await ipxeNetboot(ctx, http) : await piNetboot(ctx);
      if (result.kind === 'booted' || result.kind === 'poweroff') break;
      if (result.kind === 'declined' && spec.disks.some((d) => d.bootable)) break;
      record('loop-failed', { reason: result.reason, ...(result.kind === 'failed' && result.file ? { file: result.file } : {}) });
      await env.clock.sleep(timings.loopRestartMs, ctx.signal);
    }
    if (result.kind === 'poweroff') return 'poweroff';
    if (result.kind === 'booted') boot.firstTry = boot.loops === 1;
    if (env.netbootOnly && result.kind === 'booted') {
      record('netbooted', { loops: boot.loops });
      return hang(ctx.signal);
    }
    await env.clock.sleep(timings.kernelBootMs, ctx.signal);
    const plan = result.kind === 'booted' ? osFor(result.cmdline) : ({ kind: 'local' } as const);
    boot.os = plan.kind === 'agent' ? `agent:${plan.mode}` : plan.kind;
    if (plan.kind === 'agent') return runAgent(ctx, http, plan.args);
    return runDeployedOs(ctx, http, plan);
  }

  return board;
}
