// No device at all: the request is recorded and an operator is told what to
// switch. It never reports "done", so nothing waits on it as if it had.
import { z } from 'zod';
import type { DriverDeps, PowerDriver, PowerTarget } from '../power.js';

/** Params of a manual controller: what the operator should be told. */
export const manualParams = z.strictObject({
  instructions: z.string().max(500).default('switch it by hand'),
});
/** Parsed manual params. */
export type ManualParams = z.infer<typeof manualParams>;

/** Creates a manual driver. */
export function createManualDriver(params: ManualParams, deps: DriverDeps): PowerDriver {
  const ask = async (what: string, t: PowerTarget) => {
    const detail = `manual ${deps.name}: an operator must ${what} port ${t.port} (node ${t.node.hostname ?? t.node.id}): ${params.instructions}`;
    deps.logger.warn('manual power request', { controller: deps.name, port: t.port, node: t.node.id, op: what });
    return { done: false, detail };
  };
  return {
    kind: 'manual',
    on: (t) => ask('power on', t),
    off: (t) => ask('power off', t),
    cycle: (t) => ask('power-cycle', t),
    status: async (t) => ({ done: false, state: 'unknown', detail: `manual ${deps.name}: port ${t.port}: no device to ask` }),
  };
}
