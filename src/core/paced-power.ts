// Paced power-on (DESIGN §7, §8): `power-on` or `power-cycle` for every node a
// selector picks, one node after another at a stagger computed from the boot
// admission budget (or given), so a rack switched on together reaches its
// firmware as admission lets boards in. Each step is the node's own action
// (nodes.action), so the power service's per-node lock and events hold.
import { ConflictError, NotFoundError } from '../errors.js';
import type { Node } from '../domain/node.js';
import { planPowerOn, selects, type PacedPowerRequest, type PlanStep } from '../domain/power-plan.js';
import type { Logger } from '../log.js';
import type { NodeService } from './nodes.js';
import type { PowerService } from './power.js';

/** The operations that can be paced. */
export type PacedOp = 'power-on' | 'power-cycle';

/** What `start` answers: the plan as it will be carried out. */
export interface PacedPlan {
  op: PacedOp;
  staggerSeconds: number;
  /** Where the stagger came from: the request, or the admission budget. */
  staggerFrom: 'request' | 'admission';
  startedAt: string;
  plan: PlanStep[];
  /** Nodes the selector picked that have no power controller. */
  skipped: Array<{ id: string; hostname: string | null; reason: string }>;
}

/** What the service needs. */
export interface PacedPowerDeps {
  nodes: Pick<NodeService, 'list' | 'action'>;
  power: Pick<PowerService, 'canControl' | 'refresh'>;
  logger: Logger;
  now: () => Date;
  /** The stagger the admission budget gives now (seconds). */
  stagger: () => number;
}

/** Creates the paced power service. */
export function createPacedPower(deps: PacedPowerDeps) {
  const timers = new Set<NodeJS.Timeout>();

  async function picked(req: PacedPowerRequest): Promise<Node[]> {
    const label = req.rack !== undefined ? { key: 'rack', value: req.rack } : Object.entries(req.labels ?? {}).map(([key, value]) => ({ key, value }))[0];
    const nodes = (await deps.nodes.list({ ...(req.state ? { state: req.state } : {}), ...(label ? { label } : {}) })).filter((n) => selects(req, n));
    if (nodes.length === 0) throw new NotFoundError('paced power: no node matches the selector');
    return nodes;
  }

  // One node's step; its failure is logged and recorded by the power service, the others go on.
  function schedule(op: PacedOp, step: PlanStep): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      deps.nodes.action(step.id, op).catch((err: unknown) => deps.logger.warn('paced power: a step failed', { node: step.id, op, err }));
    }, Math.round(step.offsetSeconds * 1000));
    timer.unref();
    timers.add(timer);
  }

  /** Plans `op` for the nodes `req` picks and starts it; NotFoundError when none matches, ConflictError when none has a power controller. */
  async function start(op: PacedOp, req: PacedPowerRequest): Promise<PacedPlan> {
    const nodes = await picked(req);
    await deps.power.refresh();
    const controlled = nodes.filter((n) => deps.power.canControl(n));
    const skipped = nodes.filter((n) => !deps.power.canControl(n)).map((n) => ({ id: n.id, hostname: n.hostname, reason: 'no power driver configured for this node' }));
    if (controlled.length === 0) throw new ConflictError(`paced ${op}: none of the ${nodes.length} nodes selected has a power driver configured`, 'no-power-driver');
    const staggerSeconds = req.staggerSeconds ?? deps.stagger();
    const plan = planPowerOn(controlled, staggerSeconds);
    for (const step of plan) schedule(op, step);
    deps.logger.info('paced power started', { op, nodes: plan.length, staggerSeconds, skipped: skipped.length });
    return { op, staggerSeconds, staggerFrom: req.staggerSeconds === undefined ? 'admission' : 'request', startedAt: deps.now().toISOString(), plan, skipped };
  }

  /** Cancels the steps not yet taken (at shutdown). */
  function stop(): void {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  }

  return { start, stop };
}

/** The paced power service. */
export type PacedPower = ReturnType<typeof createPacedPower>;
