// The admin API under /api/v1 (bearer token): nodes, rules, images.
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { VersionMismatchError } from '../errors.js';
import { imageInputSchema, imageNameSchema } from '../domain/images.js';
import { publicNode, type Node } from '../domain/node.js';
import { ruleInputSchema } from '../domain/rules.js';
import { targetSchema } from '../domain/targets.js';
import { normalizeMac, normalizeSerial } from '../domain/identity.js';
import type { NodeAdmission } from '../core/admission.js';
import { healthWithAdmission } from '../domain/wedge.js';
import type { NodeService } from '../core/nodes.js';
import type { ImageService } from '../core/images.js';
import type { RuleService } from '../core/rules.js';
import type { BootFileResolver } from '../core/boot-files.js';
import { latestBoot } from '../core/boot-telemetry.js';
import type { Store } from '../store/store.js';
import { NotFoundError } from '../errors.js';
import { sendBootFile } from './boot-routes.js';
import { parseWith } from './errors.js';
import { nextBoot } from '../domain/next-boot.js';
import { actionBody, actionParam, deleteQuery, eventsQuery, nodeListQuery, nodePatchSchema, parseIfMatch, releaseIdentitySchema, ruleApplySchema } from './schemas.js';

/** What the admin routes need. */
export interface AdminRouteDeps {
  nodes: NodeService;
  rules: RuleService;
  store: Store;
  now: () => Date;
  resolver: BootFileResolver;
  /** Boot telemetry not yet written to the store. */
  liveBoot: (nodeId: string) => Node['lastBoot'];
  /** The node's boot admission (deferred, admitted), live; null when neither. */
  admission?: (nodeId: string) => NodeAdmission | null;
  /** The address an nfs-root without `server` is served from (for nextBoot). */
  advertise?: () => string;
  /** Image writes go through here (paths checked; deletes refused while a node uses the image). */
  images?: ImageService;
}


function ifMatch(req: Request): number | undefined {
  const v = parseIfMatch(req.get('if-match'));
  if (v === 'unmatchable') throw new VersionMismatchError(-1, -1);
  return v;
}

/** Builds the admin router (mount under /api/v1 behind requireAdmin). */
export function createAdminRoutes(deps: AdminRouteDeps): Router {
  const r = Router();
  const id = (req: Request) => String(req.params.id);
  // This instance's live counts, unless another instance has recorded a newer boot since.
  const show = (node: Node) => {
    const admission = deps.admission?.(node.id) ?? null;
    return { ...publicNode(node), ...healthWithAdmission(node, admission), lastBoot: latestBoot(deps.liveBoot(node.id), node.lastBoot), nextBoot: nextBoot(node, deps.advertise?.() ?? '(advertise address)'), admission };
  };
  const sendNode = (res: Response, node: Node) => void res.set('ETag', `"${node.version}"`).json(show(node));

  r.get('/nodes', async (req, res) => {
    const q = parseWith(nodeListQuery, req.query, 'query');
    const [key, ...rest] = (q.label ?? '').split('=');
    const nodes = await deps.nodes.list({
      state: q.state,
      label: q.label ? { key: key!, value: rest.join('=') } : undefined,
      serial: q.serial ? (normalizeSerial(q.serial) ?? q.serial) : undefined,
      mac: q.mac ? (normalizeMac(q.mac.trim()) ?? q.mac) : undefined,
      limit: q.limit,
      offset: q.offset,
    });
    res.json({ nodes: nodes.map(show) });
  });
  r.get('/nodes/:id', async (req, res) => sendNode(res, await deps.nodes.get(id(req))));
  r.patch('/nodes/:id', async (req, res) => {
    const body = parseWith(nodePatchSchema, req.body, 'node update');
    sendNode(res, await deps.nodes.patch(id(req), body, ifMatch(req)));
  });
  r.put('/nodes/:id/target', async (req, res) => {
    const target = parseWith(targetSchema, req.body, 'target');
    const { node, effects } = await deps.nodes.setTarget(id(req), target, ifMatch(req));
    res.set('ETag', `"${node.version}"`).json({ ...show(node), effects });
  });
  r.delete('/nodes/:id', async (req, res) => {
    const q = parseWith(deleteQuery, req.query, 'query');
    await deps.nodes.remove(id(req), { force: q.force, ifMatch: ifMatch(req) });
    res.status(204).end();
  });
  r.post('/nodes/:id/actions/release-identity', async (req, res) => {
    const release = parseWith(releaseIdentitySchema, req.body ?? {}, 'release-identity');
    sendNode(res, await deps.nodes.releaseIdentity(id(req), release, ifMatch(req)));
  });
  r.post('/nodes/:id/actions/:action', async (req, res) => {
    const action = parseWith(actionParam, req.params.action, 'action');
    const opts = parseWith(actionBody, req.body ?? {}, 'action options');
    const result = await deps.nodes.action(id(req), action, ifMatch(req), opts);
    res.status(202).set('ETag', `"${result.node.version}"`).json({ action, delivery: result.delivery, detail: result.detail, effects: result.effects, ...(result.power ? { power: result.power } : {}), node: show(result.node) });
  });
  r.get('/nodes/:id/events', async (req, res) => {
    const q = parseWith(eventsQuery, req.query, 'query');
    res.json({ events: await deps.nodes.events(id(req), { limit: q.limit, afterId: q.after, beforeId: q.before, order: q.order, kinds: q.kind?.split(',') }) });
  });

  r.get('/nodes/:id/boot-files/*file', async (req, res) => {
    const node = await deps.nodes.get(id(req));
    const rest = (req.params.file as unknown as string[]).join('/');
    const file = await deps.resolver.fileFor(node, rest);
    if (!file) throw new NotFoundError(`boot file ${rest}: node ${node.id} (${node.state}) is served nothing under that name`);
    await sendBootFile(res, file, undefined);
  });

  r.get('/rules', async (_req, res) => res.json({ rules: await deps.store.listRules() }));
  r.post('/rules', async (req, res) => {
    const input = parseWith(ruleInputSchema, req.body, 'rule');
    res.status(201).json(await deps.store.createRule(randomUUID(), input, deps.now().toISOString()));
  });
  r.get('/rules/:id', async (req, res) => {
    const rule = await deps.store.getRule(id(req));
    if (!rule) throw new NotFoundError(`rule ${id(req)}: not found`);
    res.json(rule);
  });
  r.put('/rules/:id', async (req, res) => res.json(await deps.store.updateRule(id(req), parseWith(ruleInputSchema, req.body, 'rule'))));
  r.post('/rules/:id/apply', async (req, res) => res.json(await deps.rules.apply(id(req), parseWith(ruleApplySchema, req.body ?? {}, 'rule apply'))));
  r.delete('/rules/:id', async (req, res) => {
    await deps.store.deleteRule(id(req));
    res.status(204).end();
  });

  r.get('/images', async (_req, res) => res.json({ images: await deps.store.listImages() }));
  r.get('/images/:name', async (req, res) => {
    const image = await deps.store.getImage(String(req.params.name));
    if (!image) throw new NotFoundError(`image ${String(req.params.name)}: not found`);
    res.json(image);
  });
  r.put('/images/:name', async (req, res) => {
    const name = parseWith(imageNameSchema, req.params.name, 'image name');
    const input = parseWith(imageInputSchema, req.body, 'image');
    res.json(await (deps.images ? deps.images.put(name, input) : deps.store.putImage(name, input, deps.now().toISOString())));
  });
  r.delete('/images/:name', async (req, res) => {
    await (deps.images ? deps.images.remove(String(req.params.name)) : deps.store.deleteImage(String(req.params.name)));
    res.status(204).end();
  });
  return r;
}

