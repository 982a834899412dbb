// The express app: node-facing routes, the admin API, health, metrics and
// OpenAPI, with one error mapping.
import express, { type Express, type RequestHandler, type Router } from 'express';
import { jsonDeeperThan } from '../domain/json-bounds.js';
import { ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { requireAdmin, type SessionCheck } from './auth.js';
import { errorHandler, notFoundRoute } from './errors.js';
import { buildOpenApi } from './openapi.js';

/** What the app is assembled from. */
export interface HttpAppDeps {
  adminToken: string;
  logger: Logger;
  metrics: Metrics;
  version: string;
  /** Node-facing routes under /api/v1 (discovery, agent); each route applies requireBootNetwork itself. */
  nodeRoutes: Router;
  adminRoutes: Router | Router[];
  /** Dashboard session cookies, accepted beside the bearer token. */
  sessions?: SessionCheck;
  /** Routes that authenticate by themselves (the dashboard and its login). */
  publicRoutes?: Router[];
  /** Routes served at the root to booting nodes (iPXE scripts, boot files); each route applies requireBootNetwork itself. */
  bootRoutes?: Router[];
}

/** How deep any JSON body may nest; deeper is 400 before any route (or JSON.stringify) sees it. */
export const maxBodyDepth = 64;

const boundedDepth: RequestHandler = (req, _res, next) => {
  if (jsonDeeperThan(req.body, maxBodyDepth)) throw new ValidationError(`invalid JSON body: nested deeper than ${maxBodyDepth} levels`);
  next();
};

/** Creates the express app. */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const requests = deps.metrics.counter('bootherd_http_requests_total', 'HTTP requests by method and status');
  app.use((req, res, next) => {
    res.on('finish', () => requests.inc({ method: req.method, status: String(res.statusCode) }));
    next();
  });
  app.use(express.json({ limit: '1mb' }), boundedDepth);
  const openapi = buildOpenApi(deps.version);
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/openapi.json', (_req, res) => void res.json(openapi));
  app.get('/metrics', async (_req, res) => void res.type('text/plain; version=0.0.4').send(await deps.metrics.render()));
  for (const routes of deps.bootRoutes ?? []) app.use(routes);
  app.use('/api/v1', deps.nodeRoutes);
  for (const routes of deps.publicRoutes ?? []) app.use(routes);
  app.use('/api/v1', requireAdmin(deps.adminToken, deps.sessions), deps.adminRoutes);
  app.use(notFoundRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
