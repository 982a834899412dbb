// The admin API for power (DESIGN §8): controllers, a node's power link and
// its power state as the device reports it. Secrets are never in an answer.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { publicNode } from '../domain/node.js';
import type { ControllerRegistry } from '../core/power-controllers.js';
import { powerLinkSchema, type PowerService } from '../core/power.js';
import type { NodeService } from '../core/nodes.js';
import type { PacedOp, PacedPower } from '../core/paced-power.js';
import { pacedPowerSchema } from '../domain/power-plan.js';
import { controllerNameSchema } from '../power/registry.js';
import { parseWith } from './errors.js';

/** What the power routes need. */
export interface PowerRouteDeps {
  controllers: ControllerRegistry;
  power: PowerService;
  nodes: NodeService;
  /** Paced power-on and power-cycle of a selection. */
  paced: PacedPower;
}

const body = z.record(z.string(), z.unknown());

/** Builds the power router (mount under /api/v1 behind requireAdmin). */
export function createPowerRoutes(deps: PowerRouteDeps): Router {
  const r = Router();
  const name = (req: Request) => parseWith(controllerNameSchema, req.params.name, 'controller name');
  // Another instance on the store may have put or removed controllers since.
  r.get('/power/controllers', async (_req, res) => {
    await deps.controllers.refresh();
    res.json({ controllers: deps.controllers.list() });
  });
  r.get('/power/controllers/:name', async (req, res) => {
    const n = name(req);
    await deps.controllers.refresh();
    res.json(deps.controllers.get(n));
  });
  r.put('/power/controllers/:name', async (req, res) => {
    res.json(await deps.controllers.put(name(req), parseWith(body, req.body, 'power controller')));
  });
  r.delete('/power/controllers/:name', async (req, res) => {
    await deps.controllers.remove(name(req));
    res.status(204).end();
  });
  // 202: the plan (node, offset) is carried out from now on; bad input is 400 before anything is switched.
  for (const op of ['power-on', 'power-cycle'] as PacedOp[]) {
    r.post(`/power/actions/${op}`, async (req, res) => {
      res.status(202).json(await deps.paced.start(op, parseWith(pacedPowerSchema, req.body ?? {}, 'paced power')));
    });
  }
  r.put('/nodes/:id/power', async (req, res) => {
    const link = parseWith(powerLinkSchema, req.body, 'power link');
    const node = await deps.power.setLink(String(req.params.id), link);
    res.set('ETag', `"${node.version}"`).json(publicNode(node));
  });
  r.get('/nodes/:id/power', async (req, res) => {
    res.json(await deps.power.status(await deps.nodes.get(String(req.params.id))));
  });
  return r;
}
