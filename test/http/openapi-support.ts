// Shared by the OpenAPI tests: the express app a running bootherd serves
// (caught from node's own HTTP diagnostics channel, so main.ts's wiring is
// what is walked), its routes as OpenAPI paths, and a JSON Schema validator
// over the document itself.
import dc from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { TestServer } from '../helpers/server.js';

/** One route the app serves: an OpenAPI-style path (`{param}`) and a lower-case method, or `use` for a static mount (a prefix). */
export interface ServedRoute {
  method: string;
  path: string;
}

interface RouterLike {
  stack: Array<{ rawPath?: unknown; handle: { name?: string; stack?: unknown } }>;
  listRoutes(): Array<{ path: unknown; methods?: string[]; router?: RouterLike }>;
}

/** Express path syntax to OpenAPI's: `:id` and `*file` become `{id}` and `{file}`. */
export function toOpenApiPath(p: string): string {
  return p.replace(/[:*]([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function walk(router: RouterLike, prefix: string, out: ServedRoute[]): void {
  const join = (p: unknown) => (prefix + (p === '/' ? '' : String(p))).replace(/\/{2,}/g, '/') || '/';
  for (const r of router.listRoutes()) {
    if (typeof r.path !== 'string') throw new Error(`a route with a non-string path (${String(r.path)}): describe it in the OpenAPI test`);
    if (r.router) walk(r.router, join(r.path), out);
    for (const m of r.methods ?? []) if (m !== 'HEAD') out.push({ method: m.toLowerCase(), path: toOpenApiPath(join(r.path)) });
  }
  for (const layer of router.stack) if (layer.handle.name === 'serveStatic') out.push({ method: 'use', path: join(layer.rawPath) });
  for (const layer of router.stack) {
    const sub = layer.handle as unknown as RouterLike;
    // Routers mounted through a plain middleware wrapper are not in listRoutes; none exist today, so fail loudly if one appears.
    if (Array.isArray(sub.stack) && typeof sub.listRoutes !== 'function') throw new Error('a mounted router without listRoutes');
  }
}

/** Every route of the express app `server` answers with. */
export function servedRoutes(server: Server): ServedRoute[] {
  const app = server.listeners('request').find((l) => typeof (l as { router?: { listRoutes?: unknown } }).router?.listRoutes === 'function') as { router: RouterLike } | undefined;
  if (!app) throw new Error('no express app among the server\'s request listeners');
  const out: ServedRoute[] = [];
  walk(app.router, '', out);
  return out;
}

/** The node HTTP server behind a test server, caught on its next request. */
export async function httpServerOf(s: TestServer): Promise<Server> {
  let server: Server | null = null;
  const onStart = (m: unknown) => void (server ??= (m as { server: Server }).server);
  dc.subscribe('http.server.request.start', onStart);
  try {
    await s.api('GET', '/healthz', undefined, { auth: null });
  } finally {
    dc.unsubscribe('http.server.request.start', onStart);
  }
  if (!server) throw new Error('no http.server.request.start message: cannot reach the express app');
  return server;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A validator for the schemas inside the document, `#/...` pointers resolved against the document itself. */
export function documentValidator(doc: Record<string, unknown>) {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema({ ...doc, $id: 'urn:bootherd:openapi' });
  const pointer = (parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  return {
    /** Problems of `value` against the schema at `parts` (a path into the document); [] when it holds. */
    problems(parts: string[], value: unknown): string[] {
      const validate = ajv.compile({ $ref: `urn:bootherd:openapi#/${pointer(parts)}` });
      return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`);
    },
  };
}
