// The simulated rack's power switch: port "1" is the first board, "2" the
// second, ... Each port carries the board's power hooks and its MACs (for
// `port: auto`): what the `sim` power driver switches. The boards are looked
// up when a port is switched, so the switchboard can be handed to bootherd
// before the boards are attached to it.
import type { SimSwitchboard } from '../power/drivers/sim.js';
import type { Board } from './board.js';
import type { BoardSpec } from './types.js';

/** The port a board sits on: its position in the rack, from 1. */
export const portOf = (i: number): string => String(i + 1);

/** A switchboard over the boards made from `specs`, board i on port i + 1; `boards()` gives them once attached. */
export function createSwitchboard(specs: readonly BoardSpec[], boards: () => readonly Board[]): SimSwitchboard {
  const at = (i: number): Board => {
    const b = boards()[i];
    if (!b) throw new Error(`sim: the board on port ${portOf(i)} is not attached yet`);
    return b;
  };
  return Object.fromEntries(specs.map((spec, i) => [portOf(i), {
    powerOn: () => at(i).powerOn(),
    powerOff: () => at(i).powerOff(),
    cycle: (offMs?: number) => at(i).cycle(offMs),
    status: () => (boards()[i]?.status() ?? 'off'),
    macs: [spec.mac, ...(spec.extraNics ?? []).map((n) => n.mac)],
  }]));
}
