// Power controllers in SQLite (migration 4): one row per API-made controller.
import { NotFoundError } from '../errors.js';
import { guard, type Db } from './sqlite-db.js';
import type { Store, StoredController } from './store.js';

type Row = { name: string; driver: string; created_at: string; updated_at: string; doc: string };

const toController = (r: Row): StoredController => ({ name: r.name, driver: r.driver, params: JSON.parse(r.doc) as Record<string, unknown>, createdAt: r.created_at, updatedAt: r.updated_at });

/** The controller methods of the SQLite store. */
export function controllerMethods(db: Db): Pick<Store, 'listControllers' | 'putController' | 'deleteController'> {
  return {
    async listControllers() {
      return guard('list power controllers', () => (db.prepare('SELECT * FROM power_controllers ORDER BY name').all() as Row[]).map(toController));
    },
    async putController(name, driver, params, at) {
      return guard('put power controller', () => {
        db.prepare('INSERT INTO power_controllers (name, driver, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET driver = excluded.driver, updated_at = excluded.updated_at, doc = excluded.doc')
          .run(name, driver, at, at, JSON.stringify(params));
        return toController(db.prepare('SELECT * FROM power_controllers WHERE name = ?').get(name) as Row);
      });
    },
    async deleteController(name) {
      guard('delete power controller', () => {
        if (db.prepare('DELETE FROM power_controllers WHERE name = ?').run(name).changes !== 1) throw new NotFoundError(`power controller ${name}: not found`);
      });
    },
  };
}
