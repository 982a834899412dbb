// `bootherd nodes delete NODE [--force]`: remove retired nodes (any node with --force); their event logs stay.
import { loadClientConfig } from '../../config.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { forEachNode, nodeArg, reportPerNode, selectNodes, selectorFlags } from '../select.js';

export default defineCommand({
  name: 'nodes delete',
  summary: 'delete retired nodes (--force: any node); their event logs stay readable',
  flags: {
    ...selectorFlags,
    force: { type: 'boolean', help: 'delete nodes that are not retired too' },
    ...dryRunFlag,
    ...outputFlag(['table', 'json', 'yaml']),
    ...clientFlags,
  },
  positionals: [nodeArg],
  examples: ['bootherd nodes delete rack1-pi07', 'bootherd nodes delete --state retired', 'bootherd nodes delete 52:54:00:12:34:56 --force'],
  async run({ flags, args, raw, io }) {
    const cfg = loadClientConfig(raw);
    const nodes = await selectNodes(cfg, args.NODE, flags);
    const results = await forEachNode(nodes, async (n) => {
      if (flags['dry-run']) return n.state === 'retired' || flags.force ? `would delete (${n.state})` : `would be refused: node is '${n.state}', not retired (--force deletes it anyway)`;
      await callApi(cfg, 'DELETE', `/api/v1/nodes/${encodeURIComponent(n.id)}${flags.force ? '?force=true' : ''}`);
      return 'deleted';
    });
    return reportPerNode(io, results, flags.output);
  },
});
