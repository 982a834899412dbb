// Power controllers: the ones in the config file (read-only through the API)
// and the ones made through the API (kept in the store), each with its live
// driver. Secrets never leave: views show them as `[redacted]`.
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

  /** Reads the configured and stored controllers and creates their drivers. */
  async function load(): Promise<void> {
    for (const raw of deps.configured) {
      const p = parseController(raw);
      if (p.ok) await install(p.controller, viewOf(p.controller, 'config'));
    }
    for (const row of await deps.store.listControllers()) {
      if (live.get(row.name)?.view.source === 'config') continue;
      const p = parseController({ ...row.params, name: row.name, driver: row.driver });
      if (!p.ok) {
        deps.logger.warn('stored power controller is not valid any more; skipped', { controller: row.name, issues: p.issues.map((i) => `${i.path}: ${i.message}`).join('; ') });
        continue;
      }
      raws.set(row.name, { ...row.params, driver: row.driver });
      await install(p.controller, viewOf(p.controller, 'api', { createdAt: row.createdAt, updatedAt: row.updatedAt }));
    }
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
  async function put(name: string, body: Record<string, unknown>): Promise<ControllerView> {
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

  async function remove(name: string): Promise<void> {
    get(name);
    fromConfig(name, 'remove');
    await deps.store.deleteController(name);
    const old = live.get(name);
    live.delete(name);
    raws.delete(name);
    await old?.driver.close?.();
  }

  return {
    load,
    get,
    put,
    remove,
    list: (): ControllerView[] => [...live.values()].map((c) => c.view).sort((a, b) => a.name.localeCompare(b.name)),
    driver: (name: string): PowerDriver | null => live.get(name)?.driver ?? null,
  };
}

/** The controller registry. */
export type ControllerRegistry = ReturnType<typeof createControllerRegistry>;
