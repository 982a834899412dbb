// Rules and images in SQLite: the Store's catalog half (see sqlite.ts).
import { NotFoundError } from '../errors.js';
import type { Image } from '../domain/images.js';
import type { Rule, RuleInput } from '../domain/rules.js';
import { guard, type Db } from './sqlite-db.js';
import type { Store } from './store.js';

type Row = { doc: string };

/** The rule and image methods of the SQLite store. */
export function catalogMethods(db: Db): Pick<Store, 'listRules' | 'getRule' | 'createRule' | 'updateRule' | 'deleteRule' | 'takeRuleSequence' | 'listImages' | 'getImage' | 'putImage' | 'deleteImage'> {
  const toRule = (r: { id: string; sequence: number; created_at: string; doc: string }): Rule => ({ ...(JSON.parse(r.doc) as RuleInput), id: r.id, sequence: r.sequence, createdAt: r.created_at });
  const getRule = db.prepare('SELECT * FROM rules WHERE id = ?');
  const mustChange = (changes: number, what: string) => {
    if (changes !== 1) throw new NotFoundError(`${what}: not found`);
  };
  return {
    async listRules() {
      return guard('list rules', () => (db.prepare('SELECT * FROM rules ORDER BY priority, name').all() as Parameters<typeof toRule>[0][]).map(toRule));
    },
    async getRule(id) {
      return guard('get rule', () => {
        const r = getRule.get(id) as Parameters<typeof toRule>[0] | undefined;
        return r ? toRule(r) : null;
      });
    },
    async createRule(id, input, at) {
      return guard('create rule', () => {
        db.prepare('INSERT INTO rules (id, name, priority, sequence, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)').run(id, input.name, input.priority, input.apply.sequenceStart, at, JSON.stringify(input));
        return toRule(getRule.get(id) as Parameters<typeof toRule>[0]);
      });
    },
    async updateRule(id, input) {
      return guard('update rule', () => {
        mustChange(db.prepare('UPDATE rules SET name = ?, priority = ?, doc = ? WHERE id = ?').run(input.name, input.priority, JSON.stringify(input), id).changes, `rule ${id}`);
        return toRule(getRule.get(id) as Parameters<typeof toRule>[0]);
      });
    },
    async deleteRule(id) {
      guard('delete rule', () => mustChange(db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes, `rule ${id}`));
    },
    async takeRuleSequence(id) {
      return guard('take rule sequence', () => {
        const r = db.prepare('UPDATE rules SET sequence = sequence + 1 WHERE id = ? RETURNING sequence - 1 AS seq').get(id) as { seq: number } | undefined;
        if (!r) throw new NotFoundError(`rule ${id}: not found`);
        return r.seq;
      });
    },
    async listImages() {
      return guard('list images', () => (db.prepare('SELECT doc FROM images ORDER BY name').all() as Row[]).map((r) => JSON.parse(r.doc) as Image));
    },
    async getImage(name) {
      return guard('get image', () => {
        const r = db.prepare('SELECT doc FROM images WHERE name = ?').get(name) as Row | undefined;
        return r ? (JSON.parse(r.doc) as Image) : null;
      });
    },
    async putImage(name, input, at) {
      return guard('put image', () => {
        const old = db.prepare('SELECT created_at FROM images WHERE name = ?').get(name) as { created_at: string } | undefined;
        const image: Image = { ...input, name, createdAt: old?.created_at ?? at, updatedAt: at };
        db.prepare('INSERT INTO images (name, created_at, updated_at, doc) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET updated_at = excluded.updated_at, doc = excluded.doc').run(name, image.createdAt, at, JSON.stringify(image));
        return image;
      });
    },
    async deleteImage(name) {
      guard('delete image', () => mustChange(db.prepare('DELETE FROM images WHERE name = ?').run(name).changes, `image ${name}`));
    },
  };
}
