// The store archive: every record of a store (nodes with every field, events
// with their ids, times and instances, rules with their sequences, images,
// power controllers with their secrets: it is a backup) as JSON lines,
// so a registry moves between stores (SQLite -> PostgreSQL) without losing a
// node or an event. A header line opens it and an end line with the counts
// closes it, so a truncated file is refused rather than half-imported.
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { imageInputSchema, type Image } from '../domain/images.js';
import { states, type Node } from '../domain/node.js';
import { ruleInputSchema, type Rule } from '../domain/rules.js';
import type { Store, StoredController, StoredEvent } from './store.js';

/** How many records of each kind a store or an archive holds. */
export interface ArchiveCounts {
  nodes: number;
  events: number;
  rules: number;
  images: number;
  controllers: number;
}

/** One data record of an archive. */
export type ArchiveRecord =
  | { type: 'node'; node: Node }
  | { type: 'event'; event: StoredEvent }
  | { type: 'rule'; rule: Rule }
  | { type: 'image'; image: Image }
  | { type: 'controller'; controller: StoredController };

/** A store's raw side: whole records out, whole records in. */
export interface StoreArchive {
  counts(): Promise<ArchiveCounts>;
  /** Every record from one consistent snapshot: nodes, then events by id, rules, images, power controllers. */
  records(): AsyncIterable<ArchiveRecord>;
  /** Writes `records` into this store in one transaction, refusing a store that is not empty; nothing is kept if any record fails. */
  load(records: AsyncIterable<ArchiveRecord>): Promise<ArchiveCounts>;
}

/** A store that can also be exported and imported whole. */
export type ArchivableStore = Store & { archive: StoreArchive };

const format = 'bootherd-store';
const formatVersion = 1;

/** Zero counts. */
export const noCounts = (): ArchiveCounts => ({ nodes: 0, events: 0, rules: 0, images: 0, controllers: 0 });

/** True if a store with these counts holds nothing. */
export const isEmpty = (c: ArchiveCounts) => c.nodes + c.events + c.rules + c.images + c.controllers === 0;

/** What a store that is not empty holds, for the refusal of an import. */
export const notEmpty = (c: ArchiveCounts) => `store import: the target store is not empty (${c.nodes} nodes, ${c.events} events, ${c.rules} rules, ${c.images} images, ${c.controllers} power controllers); import only into an empty store`;

/** Writes the whole store as JSON lines through `write`; answers the counts. */
export async function writeArchive(archive: StoreArchive, source: string, write: (line: string) => Promise<void> | void, now = new Date()): Promise<ArchiveCounts> {
  await write(JSON.stringify({ type: 'header', format, version: formatVersion, exportedAt: now.toISOString(), source }) + '\n');
  const counts = noCounts();
  for await (const r of archive.records()) {
    counts[`${r.type}s`]++;
    await write(JSON.stringify(r) + '\n');
  }
  await write(JSON.stringify({ type: 'end', counts }) + '\n');
  return counts;
}

const nodeSchema = z.looseObject({
  id: z.string().min(1).max(200),
  hostname: z.string().nullable(),
  state: z.enum(states),
  identity: z.looseObject({ serial: z.string().nullable(), macs: z.array(z.string()), uuid: z.string().nullable() }),
  lastIp: z.string().nullable(),
  version: z.number().int().positive(),
  createdAt: z.string().min(1),
  updatedAt: z.string().min(1),
});
const eventSchema = z.strictObject({
  id: z.number().int().positive(), nodeId: z.string().min(1), at: z.string().min(1), kind: z.string().min(1),
  data: z.record(z.string(), z.unknown()), instance: z.string().nullable(),
});
const ruleSchema = z.looseObject({ id: z.string().min(1), sequence: z.number().int().nonnegative(), createdAt: z.string().min(1) });
const imageSchema = z.looseObject({ name: z.string().min(1), createdAt: z.string().min(1), updatedAt: z.string().min(1) });
const controllerSchema = z.strictObject({
  name: z.string().min(1).max(200), driver: z.string().min(1).max(100), params: z.record(z.string(), z.unknown()), createdAt: z.string().min(1), updatedAt: z.string().min(1),
});
const countsSchema = z.strictObject({ nodes: z.number().int(), events: z.number().int(), rules: z.number().int(), images: z.number().int(), controllers: z.number().int() });

function checkRecord(value: unknown): ArchiveRecord | { type: 'end'; counts: ArchiveCounts } | string {
  const v = value as Record<string, unknown> | null;
  const fail = (r: z.ZodSafeParseResult<unknown>) => (r.success ? null : r.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; '));
  switch (v?.type) {
    case 'node':
      return fail(nodeSchema.safeParse(v.node)) ?? (v as ArchiveRecord);
    case 'event':
      return fail(eventSchema.safeParse(v.event)) ?? (v as ArchiveRecord);
    case 'rule': {
      const { id: _i, sequence: _s, createdAt: _c, ...input } = (v.rule ?? {}) as Record<string, unknown>;
      return fail(ruleSchema.safeParse(v.rule)) ?? fail(ruleInputSchema.safeParse(input)) ?? (v as ArchiveRecord);
    }
    case 'image': {
      const { name: _n, createdAt: _c, updatedAt: _u, ...input } = (v.image ?? {}) as Record<string, unknown>;
      return fail(imageSchema.safeParse(v.image)) ?? fail(imageInputSchema.safeParse(input)) ?? (v as ArchiveRecord);
    }
    case 'controller':
      return fail(controllerSchema.safeParse(v.controller)) ?? (v as ArchiveRecord);
    case 'end':
      return fail(countsSchema.safeParse(v.counts)) ?? (v as { type: 'end'; counts: ArchiveCounts });
    default:
      return `unknown record type ${JSON.stringify(v?.type ?? null)}`;
  }
}

/** Reads and checks an archive's lines; yields its data records, and throws ValidationError (naming the line) on a bad line, a missing header or end, or counts that do not add up. */
export async function* readArchive(lines: AsyncIterable<string>): AsyncGenerator<ArchiveRecord> {
  const bad = (n: number, why: string) => new ValidationError(`store import: line ${n}: ${why}`, [{ path: `line ${n}`, message: why }]);
  const counts = noCounts();
  let n = 0;
  let header = false;
  let ended = false;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    if (ended) throw bad(n, 'records after the end line');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw bad(n, 'not JSON');
    }
    if (!header) {
      const h = value as { type?: string; format?: string; version?: number };
      if (h?.type !== 'header' || h.format !== format) throw bad(n, `not a bootherd store archive (the first line must be its ${format} header)`);
      if (h.version !== formatVersion) throw bad(n, `archive format version ${String(h.version)} is not ${formatVersion}; use the bootherd that wrote it`);
      header = true;
      continue;
    }
    const r = checkRecord(value);
    if (typeof r === 'string') throw bad(n, r);
    if (r.type === 'end') {
      const kinds = ['nodes', 'events', 'rules', 'images', 'controllers'] as const;
      if (kinds.some((k) => r.counts[k] !== counts[k])) throw bad(n, `the end line counts ${JSON.stringify(r.counts)} but the archive holds ${JSON.stringify(counts)}`);
      ended = true;
      continue;
    }
    counts[`${r.type}s`]++;
    yield r;
  }
  if (!ended) throw bad(n, header ? 'the archive ends without its end line: it is truncated' : 'the archive is empty');
}
