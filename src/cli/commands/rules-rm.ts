// `bootherd rules rm RULE`: delete a rule; nodes it enrolled keep what it gave them.
import { loadClientConfig } from '../../config.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag } from '../flags.js';
import { findRule } from '../rule-input.js';

export default defineCommand({
  name: 'rules rm',
  summary: 'delete a rule (nodes it enrolled keep their names, labels and targets)',
  flags: { ...dryRunFlag, ...clientFlags },
  positionals: [{ name: 'RULE', help: 'rule name or id' }],
  examples: ['bootherd rules rm rack1'],
  async run({ flags, args, raw, io }) {
    const cfg = loadClientConfig(raw);
    const rule = await findRule(cfg, args.RULE!);
    if (flags['dry-run']) return void io.out(`would delete rule ${rule.name} (${rule.id})`);
    await callApi(cfg, 'DELETE', `/api/v1/rules/${encodeURIComponent(rule.id)}`);
    io.out(`deleted rule ${rule.name}`);
  },
});
