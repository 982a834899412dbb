// Power controllers: the ones in the config file (read-only through the API)
// and the ones made through the API (kept in the store), each with its live
// driver. Secrets never leave: views show them as `[redacted]`. Several
// instances on one store each hold drivers: `refresh()` brings this one's in
// line with the store (a controller another instance put or removed).
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PowerDriver } from '../power/power.js';
import { createDriver, keepStoredSecrets, parseController, type ParsedController } from '../power/registry.js';
import type { Store } from '../store/store.js';

/** A controller as the API shows it: params with secrets redacted. */
export type ControllerView = { name: string; driver: string; source: 'config' | 'api'; createdAt?: string; updatedAt?: string } & Record<string, unknown>;

/** What the registry needs. */
export interface ControllerDeps {
  store: Store;
  logger: Logger;
  now: () => Date;
  /** `power.controllers` from the config file, already checked by the config schema. */
  configured: Array<Record<string, unknown>>;
  sleep?: (ms: number) => Promise<void>;
}

interface Live {
  view: ControllerView;
  driver: PowerDriver;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Creates the controller registry; call `load()` once before use. */
export function createControllerRegistry(deps: ControllerDeps) {
  const live = new Map<string, Live>();
  const raws = new Map<string, Record<string, unknown>>();
  const driverDeps = { logger: deps.logger, sleep: deps.sleep ?? realSleep };

  const viewOf = (c: ParsedController, source: 'config' | 'api', times: { createdAt?: string; updatedAt?: string } = {}): ControllerView =>
    ({ name: c.name, driver: c.driver, source, ...times, ...(JSON.parse(JSON.stringify(c.params)) as Record<string, unknown>) });

  async function install(c: ParsedController, view: ControllerView): Promise<void> {
    const old = live.get(c.name);
    live.set(c.name, { view, driver: createDriver(c, driverDeps) });
    await old?.driver.close?.();
  }

  // Changes of the API controllers one at a time: a refresh never undoes a put or remove running beside it.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  };

  /** Reads the configured and stored controllers and creates their drivers. */
  async function load(): Promise<void> {
    for (const raw of deps.configured) {
      const p = parseController(raw);
      if (p.ok) await install(p.controller, viewOf(p.controller, 'config'));
    }
    await refresh();
  }

  /** Stored controllers new or changed since this instance read them get a driver; ones removed from the store lose theirs. */
  const refresh = () => serial(refreshNow);

  async function refreshNow(): Promise<void> {
    const rows = await deps.store.listControllers();
    for (const row of rows) {
      const cur = live.get(row.name)?.view;
      if (cur?.source === 'config' || (cur && cur.updatedAt === row.updatedAt)) continue;
      const p = parseController({ ...row.params, name: row.name, driver: row.driver });
      if (!p.ok) {
        deps.logger.warn('stored power controller is not valid any more; skipped', { controller: row.name, issues: p.issues.map((i) => `${i.path}: ${i.message}`).join('; ') });
        continue;
      }
      raws.set(row.name, { ...row.params, driver: row.driver });
      await install(p.controller, viewOf(p.controller, 'api', { createdAt: row.createdAt, updatedAt: row.updatedAt }));
    }
    const stored = new Set(rows.map((r) => r.name));
    for (const [name, c] of [...live]) if (c.view.source === 'api' && !stored.has(name)) await drop(name);
  }

  async function drop(name: string): Promise<void> {
    const old = live.get(name);
    live.delete(name);
    raws.delete(name);
    await old?.driver.close?.();
  }

  const get = (name: string): ControllerView => {
    const c = live.get(name);
    if (!c) throw new NotFoundError(`power controller ${name}: not found`);
    return c.view;
  };
  const fromConfig = (name: string, what: string) => {
    if (live.get(name)?.view.source === 'config') throw new ConflictError(`power controller ${name}: defined in the config file; ${what} it there`, 'controller-from-config');
  };

  /** Creates or replaces an API controller from a raw body (`name` optional, must match). */
  const put = (name: string, body: Record<string, unknown>) => serial(() => putNow(name, body));

  async function putNow(name: string, body: Record<string, unknown>): Promise<ControllerView> {
    await refreshNow();
    fromConfig(name, 'change');
    if (body.name !== undefined && body.name !== name) throw new ValidationError(`invalid power controller: name: '${String(body.name)}' differs from the URL's '${name}'`, [{ path: 'name', message: 'must match the URL' }]);
    // What a GET shows besides params (source, times) may come back with a PUT: it is not a param.
    const { name: _n, source: _s, createdAt: _c, updatedAt: _u, ...rest } = body;
    const merged = keepStoredSecrets(rest, raws.get(name) ?? null);
    const p = parseController({ ...merged, name });
    if (!p.ok) throw new ValidationError(`invalid power controller: ${p.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, p.issues);
    const { driver, ...params } = merged;
    const row = await deps.store.putController(name, String(driver), params, deps.now().toISOString());
    raws.set(name, merged);
    await install(p.controller, viewOf(p.controller, 'api', { createdAt: row.createdAt, updatedAt: row.updatedAt }));
    return get(name);
  }

  const remove = (name: string) => serial(async () => {
    await refreshNow();
    get(name);
    fromConfig(name, 'remove');
    await deps.store.deleteController(name);
    await drop(name);
  });

  return {
    load,
    refresh,
    get,
    put,
    remove,
    list: (): ControllerView[] => [...live.values()].map((c) => c.view).sort((a, b) => a.name.localeCompare(b.name)),
    driver: (name: string): PowerDriver | null => live.get(name)?.driver ?? null,
  };
}

/** The controller registry. */
export type ControllerRegistry = ReturnType<typeof createControllerRegistry>;
