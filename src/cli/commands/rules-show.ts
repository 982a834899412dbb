// `bootherd rules show RULE`: one rule, by id or name.
import { loadClientConfig } from '../../config.js';
import type { Rule } from '../../domain/rules.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { emit, keyValues, labelList, shortTime, targetSummary } from '../format.js';
import { findRule, matchSummary } from '../rule-input.js';

/** A rule as `KEY  value` lines. */
export function ruleDetails(r: Rule): string {
  return keyValues([
    ['NAME', r.name],
    ['ID', r.id],
    ['PRIORITY', String(r.priority)],
    ['MATCH', matchSummary(r)],
    ['HOSTNAME', r.apply.hostname ?? '-'],
    ['LABELS', labelList(r.apply.labels)],
    ['TARGET', targetSummary(r.apply.target)],
    ['NEXT SEQ', String(r.sequence)],
    ['CREATED', shortTime(r.createdAt)],
  ]);
}

export default defineCommand({
  name: 'rules show',
  summary: 'show one enrollment rule',
  flags: { ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [{ name: 'RULE', help: 'rule name or id' }],
  examples: ['bootherd rules show rack1', 'bootherd rules show rack1 -o yaml > rack1.yaml'],
  async run({ flags, args, raw, io }) {
    const rule = await findRule(loadClientConfig(raw), args.RULE!);
    emit(io, flags.output ?? 'table', rule, () => ruleDetails(rule));
  },
});
