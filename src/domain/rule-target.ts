// A rule's target is a template: its strings may hold `{hostname}`, `{serial}`,
// `{mac}` and `{id}`, rendered per node and then validated as a target, so
// `/srv/roots/{hostname}` gives every node its own root path.
import { z } from 'zod';
import type { Issue } from '../errors.js';
import { targetSchema, type Target } from './targets.js';

/** The placeholders a rule target may use. */
export const targetPlaceholders = ['hostname', 'serial', 'mac', 'id'] as const;

/** What a node fills the placeholders with; `mac` is 12 hex digits, as in hostname templates. */
export interface TargetVars {
  hostname: string | null;
  serial: string | null;
  mac: string | null;
  id: string;
}

/** A node that stands in for every node when a template is checked at create time. */
const sample: TargetVars = { hostname: 'node-1', serial: 'a1b2c3d4', mac: 'dca632000000', id: '00000000-0000-4000-8000-000000000000' };

const placeholderRe = /\{([^{}]*)\}/g;

function renderString(s: string, vars: TargetVars, path: string, issues: Issue[]): string {
  return s.replace(placeholderRe, (whole, name: string) => {
    if (!(targetPlaceholders as readonly string[]).includes(name)) {
      issues.push({ path, message: `unknown placeholder ${whole} (known: ${targetPlaceholders.map((p) => `{${p}}`).join(', ')})` });
      return whole;
    }
    const value = vars[name as keyof TargetVars];
    if (value === null) {
      issues.push({ path, message: `${whole} cannot be filled: the node has no ${name}${name === 'hostname' ? ' (give the rule a hostname template)' : ''}` });
      return whole;
    }
    return name === 'mac' ? value.replace(/:/g, '') : value;
  });
}

function renderValue(v: unknown, vars: TargetVars, path: string, issues: Issue[]): unknown {
  if (typeof v === 'string') return renderString(v, vars, path, issues);
  if (Array.isArray(v)) return v.map((x, i) => renderValue(x, vars, `${path}.${i}`, issues));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderValue(x, vars, path ? `${path}.${k}` : k, issues)]));
  return v;
}

/** Renders a rule's target for one node and validates the result as a target; issues name the field. */
export function renderRuleTarget(template: unknown, vars: TargetVars): { target: Target } | { issues: Issue[] } {
  const issues: Issue[] = [];
  const rendered = renderValue(template, vars, '', issues);
  if (issues.length) return { issues };
  const r = targetSchema.safeParse(rendered);
  if (r.success) return { target: r.data };
  return { issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(target)', message: i.message })) };
}

/** A rule's target as the API takes it: refused unless it renders to a valid target for a sample node. */
export const targetTemplateSchema = z.record(z.string(), z.unknown()).superRefine((t, ctx) => {
  const r = renderRuleTarget(t, sample);
  if ('issues' in r) for (const i of r.issues) ctx.addIssue({ code: 'custom', path: i.path === '(target)' ? [] : i.path.split('.'), message: i.message });
}).transform((t) => t as unknown as Target);
