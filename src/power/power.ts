// Power control behind one interface. Drivers (PoE switch port, USB hub, BMC,
// command) plug in here; until a node has one, a power request is recorded as
// an event saying that nobody could carry it out.
import type { Logger } from '../log.js';

/** What can be asked of a power driver. */
export type PowerOp = 'power-cycle' | 'power-on' | 'power-off';

/** The outcome of a power request. */
export interface PowerResult {
  done: boolean;
  detail: string;
}

/** A power driver for some nodes. */
export interface PowerDriver {
  name: string;
  handles(node: { id: string; labels: Record<string, string> }): boolean;
  run(node: { id: string; labels: Record<string, string> }, op: PowerOp): Promise<PowerResult>;
}

/** Runs power operations through the first driver that handles the node. */
export interface PowerService {
  canControl(node: { id: string; labels: Record<string, string> }): boolean;
  run(node: { id: string; labels: Record<string, string> }, op: PowerOp): Promise<PowerResult>;
}

/** Creates the power service over a list of drivers (empty: nothing can be power-controlled). */
export function createPowerService(deps: { drivers: PowerDriver[]; logger: Logger }): PowerService {
  const pick = (node: { id: string; labels: Record<string, string> }) => deps.drivers.find((d) => d.handles(node));
  return {
    canControl: (node) => pick(node) !== undefined,
    async run(node, op) {
      const driver = pick(node);
      if (!driver) return { done: false, detail: 'no power driver configured for this node' };
      try {
        return await driver.run(node, op);
      } catch (err) {
        deps.logger.warn('power driver failed', { node: node.id, driver: driver.name, op, err });
        return { done: false, detail: `power driver ${driver.name} failed: ${(err as Error).message}` };
      }
    },
  };
}
