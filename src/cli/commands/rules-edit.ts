// `bootherd rules edit RULE`: change a rule from a file or flags; nothing interactive.
import { stringify as toYaml } from 'yaml';
import { loadClientConfig } from '../../config.js';
import type { Rule } from '../../domain/rules.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { emit } from '../format.js';
import { findRule, hasRuleFlags, readRuleFile, ruleFlags, ruleFromFlags, ruleInputOf } from '../rule-input.js';
import { UsageError } from '../usage.js';
import { ruleDetails } from './rules-show.js';

export default defineCommand({
  name: 'rules edit',
  summary: 'change a rule: -f FILE replaces it, flags change single fields',
  flags: { ...ruleFlags, ...dryRunFlag, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [{ name: 'RULE', help: 'rule name or id' }],
  examples: ['bootherd rules edit rack1 --priority 5 --label role=worker', 'bootherd rules show rack1 -o yaml > r.yaml && bootherd rules edit rack1 -f r.yaml'],
  async run({ flags, args, raw, io }) {
    if (!flags.file && !hasRuleFlags(flags)) throw new UsageError('rules edit: nothing to change: give -f FILE or flags; see bootherd rules edit --help');
    const cfg = loadClientConfig(raw);
    const current = await findRule(cfg, args.RULE!);
    const input = ruleFromFlags(flags.file ? readRuleFile(flags.file) : ruleInputOf(current), flags);
    if (flags['dry-run']) return void io.out(`${toYaml(input).trimEnd()}\n(dry run: rule ${current.name} not changed)`);
    const rule = (await callApi(cfg, 'PUT', `/api/v1/rules/${encodeURIComponent(current.id)}`, input)) as Rule;
    emit(io, flags.output ?? 'table', rule, () => `changed rule ${rule.name}\n${ruleDetails(rule)}`);
  },
});
