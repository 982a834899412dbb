// `bootherd rules add`: a new enrollment rule from a file or flags.
import { stringify as toYaml } from 'yaml';
import { loadClientConfig } from '../../config.js';
import type { Rule } from '../../domain/rules.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { emit } from '../format.js';
import { hasRuleFlags, readRuleFile, ruleFlags, ruleFromFlags } from '../rule-input.js';
import { UsageError } from '../usage.js';
import { ruleDetails } from './rules-show.js';

export default defineCommand({
  name: 'rules add',
  summary: 'add an enrollment rule from a YAML/JSON file or from flags',
  description: 'New boards that match are named, labelled and given the target on their first inventory; `bootherd rules apply` enrolls boards that are already there.',
  flags: { ...ruleFlags, ...dryRunFlag, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  examples: [
    "bootherd rules add --name rack1 --match-mac-prefix dc:a6:32:07 --hostname 'rack1-pi{seq:02}' --label rack=r1 --target 'nfs-root server=10.0.0.1 path=/srv/roots/{hostname}'",
    'bootherd rules add -f rack1.yaml --dry-run',
  ],
  async run({ flags, raw, io }) {
    if (!flags.file && !hasRuleFlags(flags)) throw new UsageError('rules add: give the rule as -f FILE or with flags (at least --name); see bootherd rules add --help');
    const input = ruleFromFlags(flags.file ? readRuleFile(flags.file) : {}, flags);
    if (flags['dry-run']) return void io.out(`${toYaml(input).trimEnd()}\n(dry run: rule is valid, not added)`);
    const rule = (await callApi(loadClientConfig(raw), 'POST', '/api/v1/rules', input)) as Rule;
    emit(io, flags.output ?? 'table', rule, () => `added rule ${rule.name}\n${ruleDetails(rule)}`);
  },
});
