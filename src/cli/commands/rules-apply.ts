// `bootherd rules apply RULE`: enroll the nodes already there that match a rule.
import { loadClientConfig } from '../../config.js';
import type { RuleApplyItem, RuleApplyResult } from '../../core/rules.js';
import { ruleApplySchema } from '../../http/schemas.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { emit, table, targetSummary } from '../format.js';
import { findRule } from '../rule-input.js';
import { parseValue } from '../values.js';

/** What changed on one node, in words. */
export function describeChanges(r: RuleApplyItem): string {
  const c = r.changes;
  const parts: string[] = [];
  if (c.hostname) parts.push(`hostname ${c.hostname.to ?? '-'}${r.sequence !== undefined ? ` (seq ${r.sequence})` : ''}`);
  for (const [k, v] of Object.entries(c.labels ?? {})) parts.push(`label ${k}=${v.to}`);
  if (c.target) parts.push(`target ${targetSummary(c.target.to)}`);
  if (c.state) parts.push(`${c.state.from} -> ${c.state.to}`);
  return parts.join(', ') || r.reason || '-';
}

export default defineCommand({
  name: 'rules apply',
  summary: 'apply a rule to the nodes already there that match it',
  description:
    'Without --force only nodes no one has decided about are touched: new or ready, no target, not enrolled by a rule. --force also re-applies to nodes an operator or another rule configured; installing, rescue and retired nodes never. A taken hostname takes the next sequence number.',
  flags: { ...dryRunFlag, force: { type: 'boolean', help: 'also nodes that have a target or were enrolled by another rule' }, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [{ name: 'RULE', help: 'rule name or id' }],
  examples: ['bootherd rules apply rack1 --dry-run', 'bootherd rules apply rack1', 'bootherd rules apply rack1 --force -o json'],
  async run({ flags, args, raw, io }) {
    const cfg = loadClientConfig(raw);
    const rule = await findRule(cfg, args.RULE!);
    const body = parseValue(ruleApplySchema, { dryRun: flags['dry-run'], force: flags.force }, 'rules apply');
    const r = (await callApi(cfg, 'POST', `/api/v1/rules/${encodeURIComponent(rule.id)}/apply`, body)) as RuleApplyResult;
    const count = (o: string) => r.results.filter((x) => x.outcome === o).length;
    const done = r.dryRun ? 'would-apply' : 'applied';
    emit(io, flags.output ?? 'table', r, () => {
      const rows = r.results.map((x) => [x.hostname ?? x.serial ?? x.nodeId, x.outcome, x.outcome === 'skipped' || x.outcome === 'failed' ? x.reason ?? '' : describeChanges(x)]);
      const summary = `rule ${r.rule.name}: ${r.matched} matching, ${count(done)} ${r.dryRun ? 'would change' : 'changed'}, ${count('unchanged')} unchanged, ${count('skipped')} skipped, ${count('failed')} failed${r.dryRun ? ' (dry run: nothing changed)' : ''}`;
      return rows.length ? `${table(['NODE', 'OUTCOME', 'CHANGES'], rows)}\n${summary}` : summary;
    });
    return count('failed') ? 1 : 0;
  },
});
