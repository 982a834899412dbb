// Rules that act on the rack: a node's first inventory is enrolled by the first
// matching rule, and one rule can be applied to every node that matches it now
// (`POST /api/v1/rules/:id/apply`), with a dry run that changes nothing.
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { transition } from '../domain/lifecycle.js';
import type { Node, NodeState } from '../domain/node.js';
import { renderRuleTarget } from '../domain/rule-target.js';
import { expandHostname, pickRule, ruleMac, ruleMatches, ruleRenames, ruleSkipReason, usesSequence, type Rule } from '../domain/rules.js';
import type { Target } from '../domain/targets.js';
import { bump, mutateNode } from './deps.js';
import { applyLifecycle, completeTarget, type LifecycleDeps } from './lifecycle-ops.js';

/** What applying a rule changes (or would change) on one node. */
export interface RuleChanges {
  hostname?: { from: string | null; to: string | null };
  labels?: Record<string, { from: string | null; to: string }>;
  target?: { from: Target | null; to: Target };
  state?: { from: NodeState; to: NodeState };
  power?: { from: { controller: string; port: string } | null; to: { controller: string; port: string } };
}

/** One node's line in a rule application. */
export interface RuleApplyItem {
  nodeId: string;
  hostname: string | null;
  serial: string | null;
  outcome: 'applied' | 'would-apply' | 'unchanged' | 'skipped' | 'failed';
  reason?: string;
  sequence?: number;
  changes: RuleChanges;
}

/** The answer to applying a rule: every node that matches it, in enrollment order. */
export interface RuleApplyResult {
  rule: { id: string; name: string };
  dryRun: boolean;
  force: boolean;
  matched: number;
  results: RuleApplyItem[];
}

/** A rule's changes to one node, worked out before anything is written. */
export interface Plan {
  hostname: string | null;
  labels: Record<string, string>;
  /** The rule's power link and watchdog overrides, when it sets them. */
  settings: Partial<Pick<Node, 'power' | 'watchdog'>>;
  target: Target | null;
  sequence: number | null;
  changes: RuleChanges;
}

interface PlanContext {
  force: boolean;
  /** The rule's next sequence number: taken from the store, or counted locally in a dry run. */
  nextSeq: () => Promise<number>;
  /** Host names given to other nodes earlier in this run. */
  reserved: Map<string, string>;
}

const maxHostnameTries = 1000;

async function hostnameTaken(deps: LifecycleDeps, name: string, nodeId: string, ctx: PlanContext): Promise<boolean> {
  const holder = ctx.reserved.get(name) ?? (await deps.store.findNode({ hostname: name }))?.id;
  return holder !== undefined && holder !== nodeId;
}

// A taken host name moves on to the rule's next sequence number instead of skipping the node.
async function freeHostname(deps: LifecycleDeps, rule: Rule, node: Node, ctx: PlanContext): Promise<{ hostname: string; sequence: number }> {
  const template = rule.apply.hostname!;
  for (let i = 0; i < maxHostnameTries; i++) {
    const sequence = await ctx.nextSeq();
    const hostname = expandHostname(template, { seq: sequence, serial: node.identity.serial, mac: ruleMac(node) }).toLowerCase();
    if (!(await hostnameTaken(deps, hostname, node.id, ctx))) return { hostname, sequence };
    if (!usesSequence(template)) throw new ConflictError(`hostname ${hostname}: taken by another node, and the template '${template}' has no {seq} to move on with`, 'duplicate');
  }
  throw new ConflictError(`hostname: ${maxHostnameTries} sequence numbers in a row gave names that are taken`, 'duplicate');
}

async function renderTarget(deps: LifecycleDeps, rule: Rule, node: Node, hostname: string | null): Promise<Target> {
  const r = renderRuleTarget(rule.apply.target, { hostname, serial: node.identity.serial, mac: ruleMac(node), id: node.id });
  if ('issues' in r) {
    const issues = r.issues.map((i) => ({ path: `target.${i.path}`, message: i.message }));
    throw new ValidationError(`rule ${rule.name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return completeTarget(deps, node, r.target);
}

function diffLabels(before: Record<string, string>, after: Record<string, string>): RuleChanges['labels'] {
  const changed = Object.entries(after).filter(([k, v]) => before[k] !== v).map(([k, v]) => [k, { from: before[k] ?? null, to: v }] as const);
  return changed.length ? Object.fromEntries(changed) : undefined;
}

async function planFor(deps: LifecycleDeps, rule: Rule, node: Node, ctx: PlanContext): Promise<Plan> {
  let hostname = node.hostname;
  let sequence: number | null = null;
  if (ruleRenames(rule, node, ctx.force)) ({ hostname, sequence } = await freeHostname(deps, rule, node, ctx));
  const labels = { ...node.labels, ...(rule.apply.labels ?? {}) };
  const changes: RuleChanges = {};
  if (hostname !== node.hostname) changes.hostname = { from: node.hostname, to: hostname };
  const labelChanges = diffLabels(node.labels, labels);
  if (labelChanges) changes.labels = labelChanges;
  let target = node.target;
  if (rule.apply.target && (node.target === null || ctx.force)) {
    target = await renderTarget(deps, rule, node, hostname);
    if (JSON.stringify(target) !== JSON.stringify(node.target)) {
      const next = transition(node, { type: 'assign', target }, deps.now().toISOString()).node;
      changes.target = { from: node.target, to: target };
      changes.state = { from: node.state, to: next.state };
    }
  }
  const link = node.power ? { controller: node.power.controller, port: node.power.port } : null;
  if (rule.apply.power && JSON.stringify(link) !== JSON.stringify({ controller: rule.apply.power.controller, port: rule.apply.power.port })) changes.power = { from: link, to: { controller: rule.apply.power.controller, port: rule.apply.power.port } };
  const settings: Plan['settings'] = {
    ...(rule.apply.power ? { power: { ...rule.apply.power, resolvedPort: null } } : {}),
    ...(rule.apply.watchdog ? { watchdog: rule.apply.watchdog } : {}),
  };
  return { hostname, labels, settings, target, sequence, changes };
}

const isHostnameClash = (err: unknown) => err instanceof ConflictError && err.code === 'duplicate' && /hostname/.test(err.message);

async function write(deps: LifecycleDeps, rule: Rule, node: Node, plan: Plan, opts: { force: boolean; via: string }): Promise<Node> {
  const patch = (n: Node): Partial<Node> => {
    const skip = ruleSkipReason(n, opts.force);
    if (skip) throw new ConflictError(`node ${n.id} changed while the rule was applied: it ${skip}`);
    return { hostname: plan.hostname, labels: plan.labels, ...plan.settings, enrolledBy: rule.name };
  };
  const events = [{ kind: 'enrolled-by-rule', data: { rule: rule.name, sequence: plan.sequence, hostname: plan.hostname, via: opts.via } }];
  if (plan.changes.target) return applyLifecycle(deps, node.id, { type: 'assign', target: plan.target! }, { patch, events });
  return mutateNode(deps, node.id, (n, at) => ({ node: bump(n, patch(n), at), events }));
}

// Plans and writes one node; a host name another writer took meanwhile gets the next number.
async function enrollOne(deps: LifecycleDeps, rule: Rule, node: Node, ctx: PlanContext, via: string, planned?: Plan): Promise<{ node: Node; plan: Plan }> {
  let plan = planned;
  for (let attempt = 0; ; attempt++) {
    plan ??= await planFor(deps, rule, node, ctx);
    try {
      return { node: await write(deps, rule, node, plan, { force: ctx.force, via }), plan };
    } catch (err) {
      if (!isHostnameClash(err) || attempt >= 3) throw err;
      plan = undefined;
    }
  }
}

/** What the first matching rule would make of a node on its first inventory (sequence numbers taken, nothing written), or why it cannot apply. */
export async function firstInventoryRule(deps: LifecycleDeps, node: Node): Promise<{ rule: Rule; planned?: Plan; error?: AppError } | null> {
  const rule = pickRule(await deps.store.listRules(), node);
  if (!rule) return null;
  const ctx: PlanContext = { force: false, nextSeq: () => deps.store.takeRuleSequence(rule.id), reserved: new Map() };
  try {
    return { rule, planned: await planFor(deps, rule, node, ctx) };
  } catch (err) {
    if (!(err instanceof ConflictError || err instanceof ValidationError)) throw err;
    return { rule, error: err };
  }
}

/** The rule use cases behind the admin API. */
export interface RuleService {
  /** Applies rule `ref` (id or name) to every existing node it matches; `dryRun` changes nothing. */
  apply(ref: string, opts: { dryRun: boolean; force: boolean }): Promise<RuleApplyResult>;
}

/** Creates the rule service. */
export function createRuleService(deps: LifecycleDeps): RuleService {
  async function resolveRule(ref: string): Promise<Rule> {
    const rule = (await deps.store.getRule(ref)) ?? (await deps.store.listRules()).find((r) => r.name === ref);
    if (!rule) throw new NotFoundError(`rule ${ref}: not found`);
    return rule;
  }

  async function applyOne(rule: Rule, node: Node, ctx: PlanContext, dryRun: boolean): Promise<RuleApplyItem> {
    const base = { nodeId: node.id, hostname: node.hostname, serial: node.identity.serial, changes: {} };
    const skip = ruleSkipReason(node, ctx.force);
    if (skip) return { ...base, outcome: 'skipped', reason: skip };
    try {
      let plan = await planFor(deps, rule, node, ctx);
      if (Object.keys(plan.changes).length === 0) return { ...base, outcome: 'unchanged' };
      if (!dryRun) plan = (await enrollOne(deps, rule, node, ctx, 'apply', plan)).plan;
      if (plan.hostname) ctx.reserved.set(plan.hostname, node.id);
      const seq = plan.sequence === null ? {} : { sequence: plan.sequence };
      return { ...base, ...seq, outcome: dryRun ? 'would-apply' : 'applied', changes: plan.changes };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (!dryRun) await deps.store.appendEvents(node.id, [{ kind: 'rule-failed', data: { rule: rule.name, message: err.message } }], deps.now().toISOString());
      return { ...base, outcome: 'failed', reason: err.message };
    }
  }

  return {
    async apply(ref, { dryRun, force }) {
      const rule = await resolveRule(ref);
      const nodes = (await deps.store.listNodes()).filter((n) => ruleMatches(rule, n));
      let next = rule.sequence;
      const ctx: PlanContext = { force, reserved: new Map(), nextSeq: dryRun ? async () => next++ : () => deps.store.takeRuleSequence(rule.id) };
      const results: RuleApplyItem[] = [];
      for (const node of nodes) results.push(await applyOne(rule, node, ctx, dryRun));
      const applied = results.filter((r) => r.outcome === 'applied').length;
      if (applied) deps.logger.info('rule applied', { rule: rule.name, applied, matched: nodes.length });
      return { rule: { id: rule.id, name: rule.name }, dryRun, force, matched: nodes.length, results };
    },
  };
}
