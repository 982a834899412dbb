// Rules, images and power controllers on PostgreSQL: the Store's catalog half (see postgres.ts).
import { NotFoundError } from '../errors.js';
import type { Image } from '../domain/images.js';
import type { Rule, RuleInput } from '../domain/rules.js';
import type { PgDb } from './postgres-db.js';
import type { Store, StoredController } from './store.js';

type RuleRow = { id: string; sequence: number; created_at: string; doc: RuleInput };
type ImageRow = { created_at: string; updated_at: string; doc: Image };
type ControllerRow = { name: string; driver: string; created_at: string; updated_at: string; doc: Record<string, unknown> };

/** A stored rule from its row. */
export const ruleOf = (r: RuleRow): Rule => ({ ...r.doc, id: r.id, sequence: r.sequence, createdAt: r.created_at });
/** A stored image from its row; the columns hold the authoritative times. */
export const imageOf = (r: ImageRow): Image => ({ ...r.doc, createdAt: r.created_at, updatedAt: r.updated_at });
/** A stored power controller from its row: params raw, secrets included. */
export const controllerOf = (r: ControllerRow): StoredController => ({ name: r.name, driver: r.driver, params: r.doc, createdAt: r.created_at, updatedAt: r.updated_at });
/** The columns controllerOf reads. */
export const controllerColumns = 'name, driver, created_at, updated_at, doc';

/** The rule, image and power controller methods of the PostgreSQL store. */
export function createPgCatalog(db: PgDb): Pick<Store, 'listRules' | 'getRule' | 'createRule' | 'updateRule' | 'deleteRule' | 'takeRuleSequence' | 'listImages' | 'getImage' | 'putImage' | 'deleteImage' | 'listControllers' | 'putController' | 'deleteController'> {
  const one = <R>(rows: R[], what: string): R => {
    if (!rows[0]) throw new NotFoundError(`${what}: not found`);
    return rows[0];
  };
  const ruleCols = 'id, sequence, created_at, doc';
  return {
    async listRules() {
      return (await db.query<RuleRow>('list rules', `SELECT ${ruleCols} FROM rules ORDER BY priority, name`)).map(ruleOf);
    },
    async getRule(id) {
      const [r] = await db.query<RuleRow>('get rule', `SELECT ${ruleCols} FROM rules WHERE id = $1`, [id]);
      return r ? ruleOf(r) : null;
    },
    async createRule(id, input, at) {
      const rows = await db.query<RuleRow>('create rule', `INSERT INTO rules (id, name, priority, sequence, created_at, doc) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${ruleCols}`, [id, input.name, input.priority, input.apply.sequenceStart, at, JSON.stringify(input)]);
      return ruleOf(one(rows, `rule ${id}`));
    },
    async updateRule(id, input) {
      const rows = await db.query<RuleRow>('update rule', `UPDATE rules SET name = $1, priority = $2, doc = $3 WHERE id = $4 RETURNING ${ruleCols}`, [input.name, input.priority, JSON.stringify(input), id]);
      return ruleOf(one(rows, `rule ${id}`));
    },
    async deleteRule(id) {
      one(await db.query('delete rule', 'DELETE FROM rules WHERE id = $1 RETURNING 1', [id]), `rule ${id}`);
    },
    async takeRuleSequence(id) {
      // One UPDATE: the row lock makes concurrent takers (any instance) get distinct numbers.
      const rows = await db.query<{ seq: number }>('take rule sequence', 'UPDATE rules SET sequence = sequence + 1 WHERE id = $1 RETURNING sequence - 1 AS seq', [id]);
      return one(rows, `rule ${id}`).seq;
    },
    async listImages() {
      return (await db.query<ImageRow>('list images', 'SELECT created_at, updated_at, doc FROM images ORDER BY name')).map(imageOf);
    },
    async getImage(name) {
      const [r] = await db.query<ImageRow>('get image', 'SELECT created_at, updated_at, doc FROM images WHERE name = $1', [name]);
      return r ? imageOf(r) : null;
    },
    async putImage(name, input, at) {
      const doc: Image = { ...input, name, createdAt: at, updatedAt: at };
      const rows = await db.query<ImageRow>('put image', `INSERT INTO images (name, created_at, updated_at, doc) VALUES ($1, $2, $2, $3)
        ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at, doc = excluded.doc RETURNING created_at, updated_at, doc`, [name, at, JSON.stringify(doc)]);
      return imageOf(one(rows, `image ${name}`));
    },
    async deleteImage(name) {
      one(await db.query('delete image', 'DELETE FROM images WHERE name = $1 RETURNING 1', [name]), `image ${name}`);
    },
    async listControllers() {
      return (await db.query<ControllerRow>('list power controllers', `SELECT ${controllerColumns} FROM power_controllers ORDER BY name`)).map(controllerOf);
    },
    async putController(name, driver, params, at) {
      const rows = await db.query<ControllerRow>('put power controller', `INSERT INTO power_controllers (name, driver, created_at, updated_at, doc) VALUES ($1, $2, $3, $3, $4)
        ON CONFLICT (name) DO UPDATE SET driver = excluded.driver, updated_at = excluded.updated_at, doc = excluded.doc RETURNING ${controllerColumns}`, [name, driver, at, JSON.stringify(params)]);
      return controllerOf(one(rows, `power controller ${name}`));
    },
    async deleteController(name) {
      one(await db.query('delete power controller', 'DELETE FROM power_controllers WHERE name = $1 RETURNING 1', [name]), `power controller ${name}`);
    },
  };
}
