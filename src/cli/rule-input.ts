// A rule from the command line: a YAML/JSON file (`-f`), flags, or both (flags
// win), checked by the API's rule schema before anything is sent.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { ClientConfig } from '../config.js';
import { AppError } from '../errors.js';
import { callApi } from './client.js';
import { ruleInputSchema, type Rule, type RuleInput } from '../domain/rules.js';
import type { FlagSpec } from './command.js';
import { bytes, labelList, targetSummary } from './format.js';
import { targetObject } from './nodes.js';
import { UsageError } from './usage.js';
import { parseValue } from './values.js';

/** The flags that describe a rule, for `rules add` and `rules edit`. */
export const ruleFlags = {
  file: { type: 'string', short: 'f', value: 'FILE', help: 'the rule as YAML or JSON (- reads stdin); flags override its fields', complete: 'file' },
  name: { type: 'string', value: 'NAME', help: 'rule name: lowercase letters, digits, . _ -' },
  priority: { type: 'string', value: 'N', help: 'lower numbers are tried first (default 100)' },
  'match-model': { type: 'string', value: 'TEXT', help: 'match boards whose model contains TEXT (e.g. "Pi 4")' },
  'match-mac-prefix': { type: 'string', value: 'PREFIX', multiple: true, help: 'match a MAC prefix (dc:a6:32)' },
  'match-serial': { type: 'string', value: 'SERIAL', multiple: true, help: 'match a Pi serial' },
  'match-revision': { type: 'string', value: 'REV', multiple: true, help: 'match a board revision code (c03111)' },
  'match-min-memory': { type: 'string', value: 'SIZE', help: 'match boards with at least SIZE of RAM (4G, 8GiB, bytes)' },
  'match-arch': { type: 'string', value: 'ARCH', help: 'match an architecture (aarch64, x86_64)' },
  'match-label': { type: 'string', value: 'K=V', multiple: true, help: 'match a label' },
  hostname: { type: 'string', value: 'TEMPLATE', help: 'hostname template: {seq}, {seq:N}, {serial}, {mac}' },
  label: { type: 'string', value: 'K=V', multiple: true, help: 'label to give' },
  target: { type: 'string', value: 'TARGET', help: 'target to assign: "KIND KEY=VALUE..." or JSON; paths may use {hostname}, {serial}, {mac}, {id}' },
  'sequence-start': { type: 'string', value: 'N', help: 'first {seq} number (default 1)' },
} as const satisfies Record<string, FlagSpec>;

type RuleFlagValues = { [K in keyof typeof ruleFlags]: (typeof ruleFlags)[K] extends { multiple: true } ? string[] : string | undefined };

/** Reads a rule file (YAML or JSON; `-` is stdin). */
export function readRuleFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`--file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const doc: unknown = parseYaml(text);
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the top level must be a mapping');
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`--file: cannot parse ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** `4G`, `8GiB`, `512M`, or plain bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`--match-min-memory: expected a size such as 4G or 8GiB, got ${JSON.stringify(s)}`);
  return Math.round(Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase()));
}

const pairs = (items: string[], flag: string) =>
  Object.fromEntries(items.map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag}: expected KEY=VALUE, got ${JSON.stringify(kv)}`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  }));
const num = (s: string | undefined) => (s === undefined ? undefined : /^\d+$/.test(s) ? Number(s) : s);

/** `base` with the flags laid over it, checked by the API's rule schema. */
export function ruleFromFlags(base: Record<string, unknown>, f: RuleFlagValues): RuleInput {
  const rule: Record<string, unknown> = { ...base };
  const match: Record<string, unknown> = { ...(base.match as object | undefined) };
  const apply: Record<string, unknown> = { ...(base.apply as object | undefined) };
  const put = (obj: Record<string, unknown>, key: string, v: unknown) => {
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) obj[key] = v;
  };
  put(rule, 'name', f.name);
  put(rule, 'priority', num(f.priority));
  put(match, 'model', f['match-model']);
  put(match, 'macPrefixes', f['match-mac-prefix']);
  put(match, 'serials', f['match-serial']);
  put(match, 'revisions', f['match-revision']);
  put(match, 'minMemoryBytes', f['match-min-memory'] === undefined ? undefined : parseSize(f['match-min-memory']));
  put(match, 'arch', f['match-arch']);
  put(match, 'labels', f['match-label'].length ? pairs(f['match-label'], 'match-label') : undefined);
  put(apply, 'hostname', f.hostname);
  put(apply, 'labels', f.label.length ? pairs(f.label, 'label') : undefined);
  put(apply, 'target', f.target === undefined ? undefined : targetObject(f.target.trim().startsWith('{') ? [f.target] : f.target.trim().split(/\s+/)));
  put(apply, 'sequenceStart', num(f['sequence-start']));
  return parseValue(ruleInputSchema, { ...rule, match, apply }, 'rule');
}

/** True if any rule-describing flag was given. */
export function hasRuleFlags(f: RuleFlagValues): boolean {
  return Object.keys(ruleFlags).some((k) => {
    const v = f[k as keyof RuleFlagValues];
    return k !== 'file' && v !== undefined && !(Array.isArray(v) && v.length === 0);
  });
}

/** What a rule matches, in one line. */
export function matchSummary(r: RuleInput): string {
  const m = r.match;
  const parts = [
    m.model && `model~${m.model}`,
    m.macPrefixes && `mac ${m.macPrefixes.join('|')}`,
    m.serials && `serials ${m.serials.length > 3 ? `${m.serials.length} listed` : m.serials.join('|')}`,
    m.revisions && `rev ${m.revisions.join('|')}`,
    m.minMemoryBytes !== undefined && `ram>=${bytes(m.minMemoryBytes)}`,
    m.arch && `arch ${m.arch}`,
    m.labels && `labels ${labelList(m.labels)}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'any node';
}

/** One rule as table columns: name, priority, match, hostname, labels, target, next sequence number. */
export function ruleRow(r: Rule): string[] {
  return [r.name, String(r.priority), matchSummary(r), r.apply.hostname ?? '-', labelList(r.apply.labels), targetSummary(r.apply.target), String(r.sequence)];
}

/** A stored rule without its server-side fields, as `rules edit` starts from. */
export function ruleInputOf(r: Rule): Record<string, unknown> {
  const { id: _id, sequence: _s, createdAt: _c, ...input } = r;
  return input;
}

/** Finds a rule by id or name. */
export async function findRule(cfg: ClientConfig, ref: string): Promise<Rule> {
  const { rules } = (await callApi(cfg, 'GET', '/api/v1/rules')) as { rules: Rule[] };
  const rule = rules.find((r) => r.id === ref) ?? rules.find((r) => r.name === ref);
  if (!rule) throw new AppError('not-found', `rule ${ref}: not found (rules: ${rules.map((r) => r.name).join(', ') || 'none'})`);
  return rule;
}
