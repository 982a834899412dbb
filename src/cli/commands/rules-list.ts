// `bootherd rules list`: enrollment rules in the order they are tried.
import { loadClientConfig } from '../../config.js';
import type { Rule } from '../../domain/rules.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { emit, table } from '../format.js';
import { ruleRow } from '../rule-input.js';

export default defineCommand({
  name: 'rules list',
  summary: 'list enrollment rules, lowest priority number (tried first) first',
  flags: { ...outputFlag(['table', 'wide', 'json', 'yaml']), ...clientFlags },
  examples: ['bootherd rules list', 'bootherd rules list -o yaml'],
  async run({ flags, raw, io }) {
    const { rules } = (await callApi(loadClientConfig(raw), 'GET', '/api/v1/rules')) as { rules: Rule[] };
    const format = flags.output ?? 'table';
    if (rules.length === 0 && (format === 'table' || format === 'wide')) return void io.err('no rules');
    const header = ['NAME', 'PRIORITY', 'MATCH', 'HOSTNAME', 'LABELS', 'TARGET', 'NEXT SEQ', ...(format === 'wide' ? ['ID'] : [])];
    emit(io, format, rules, () => table(header, rules.map((r) => [...ruleRow(r), ...(format === 'wide' ? [r.id] : [])])));
  },
});
