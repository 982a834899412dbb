// GET /api/v1/agent/disk: the install image of the asking node, when the
// image's disk is a file on this host (`disk.path`). Agent token required.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Router, type RequestHandler } from 'express';
import { agentDiskPath, type AgentService } from '../core/agent.js';
import { NotFoundError } from '../errors.js';
import type { Store } from '../store/store.js';
import { bearerOf } from './auth.js';

/** The disk-image route (mounted with the node-facing routes under /api/v1), behind the boot-network limit. */
export function createDiskRoute(deps: { agent: AgentService; store: Store; bootNetwork: RequestHandler }): Router {
  const r = Router();
  r.get(agentDiskPath.replace('/api/v1', ''), deps.bootNetwork, async (req, res) => {
    const node = await deps.agent.authenticate(bearerOf(req));
    const t = node.state === 'installing' && node.target?.kind === 'install' ? node.target : null;
    const file = t ? (await deps.store.getImage(t.image))?.disk?.path : undefined;
    const st = file ? await stat(file).catch(() => null) : null;
    if (!file || !st?.isFile()) throw new NotFoundError(`disk image: node ${node.id} has no install image kept on this host`);
    res.set({ 'Content-Type': 'application/octet-stream', 'Content-Length': String(st.size) });
    await pipeline(createReadStream(file), res).catch(() => undefined);
  });
  return r;
}
