// Node-facing routes: discovery reports and the agent's poll/report loop.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { inventorySchema } from '../domain/inventory.js';
import type { AgentService } from '../core/agent.js';
import { agentReportSchema } from '../core/agent.js';
import type { DiscoveryResult } from '../core/discovery.js';
import type { Inventory } from '../domain/inventory.js';
import type { Counter } from '../metrics.js';
import { bearerOf, clientIp } from './auth.js';
import { parseWith } from './errors.js';

/** What the node-facing routes need. */
export interface NodeRouteDeps {
  discovery: { report(inv: Inventory, ctx: { ip: string | null; bearer: string | null }): Promise<DiscoveryResult> };
  agent: AgentService;
  reports: Counter;
  /** The boot-network limit (requireBootNetwork), run before every route here. */
  bootNetwork: RequestHandler;
  /** A deployed node's OS sent a heartbeat (boot telemetry marks os-up). */
  onHeartbeat?: (nodeId: string, ip: string | null) => Promise<void>;
  /** Streams an install image kept as a file on this host to the agent that installs it. */
  diskRoute?: Router;
}

/** GET /api/v1/agent/next query: `node`, when given, must be the token's node. */
export const nextQuery = z.strictObject({ node: z.string().max(64).optional() });

/** The kinds of report the node-facing routes count: discovery, and each agent report kind. */
export const reportKinds = ['discovery', ...agentReportSchema.options.map((o) => o.shape.kind.value)] as const;

/** Builds the node-facing router (mount under /api/v1). */
export function createNodeRoutes(deps: NodeRouteDeps): Router {
  const r = Router();
  r.post('/discovery', deps.bootNetwork, async (req, res) => {
    const inv = parseWith(inventorySchema, req.body, 'inventory');
    const result = await deps.discovery.report(inv, { ip: clientIp(req), bearer: bearerOf(req) });
    deps.reports.inc({ kind: 'discovery' });
    res.json({ nodeId: result.node.id, token: result.token, next: result.next });
  });
  r.get('/agent/next', deps.bootNetwork, async (req, res) => {
    const q = parseWith(nextQuery, req.query, 'query');
    const node = await deps.agent.authenticate(bearerOf(req), q.node);
    res.json(await deps.agent.next(node, clientIp(req)));
  });
  r.post('/agent/report', deps.bootNetwork, async (req, res) => {
    const report = parseWith(agentReportSchema, req.body, 'agent report');
    const node = await deps.agent.authenticate(bearerOf(req), report.nodeId, { bootToken: report.kind === 'heartbeat' });
    await deps.agent.report(node, report, clientIp(req));
    if (report.kind === 'heartbeat' && node.state === 'deployed') await deps.onHeartbeat?.(node.id, clientIp(req));
    deps.reports.inc({ kind: report.kind });
    res.status(204).end();
  });
  r.get('/agent/rescue-keys', deps.bootNetwork, async (req, res) => {
    const node = await deps.agent.authenticate(bearerOf(req));
    const keys = deps.agent.rescueKeys(node);
    res.type('text/plain').send(keys.map((k) => k + '\n').join(''));
  });
  if (deps.diskRoute) r.use(deps.diskRoute);
  return r;
}
