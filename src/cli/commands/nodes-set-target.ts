// `bootherd nodes set-target NODE KIND [KEY=VALUE...]`: what a node boots next.
import { loadClientConfig } from '../../config.js';
import { transition } from '../../domain/lifecycle.js';
import type { Node } from '../../domain/node.js';
import type { Target } from '../../domain/targets.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { effectNotices, targetSummary, type ApiNode, type WithEffects } from '../format.js';
import { parseTargetArgs } from '../nodes.js';
import { forEachNode, nodeArg, reportPerNode, selectNodes, selectorFlags } from '../select.js';

// The state change the server's state machine will make (the same pure table), for --dry-run.
function predict(n: ApiNode, target: Target): string {
  try {
    const next = transition(n as unknown as Node, { type: 'assign', target }, new Date().toISOString());
    return `would assign ${targetSummary(target)} (${n.state} -> ${next.node.state}${next.effects.length ? `, ${next.effects.map((e) => e.kind).join(', ')}` : ''})`;
  } catch (err) {
    return `would be refused: ${(err as Error).message}`;
  }
}

export default defineCommand({
  name: 'nodes set-target',
  summary: 'assign a boot target: nfs-root, usb-root, install or local',
  description: 'The target is KIND with KEY=VALUE fields (dots nest: then.kind=usb-root), or one JSON object. It is checked with the same schema as PUT /api/v1/nodes/:id/target.',
  flags: { ...selectorFlags, ...dryRunFlag, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [nodeArg, { name: 'TARGET', help: 'KIND [KEY=VALUE...] or a JSON object', variadic: true }],
  examples: [
    'bootherd nodes set-target rack1-pi07 nfs-root server=10.0.0.1 path=/srv/roots/rack1-pi07',
    'bootherd nodes set-target -l rack=r1 install image=raspios disk=sda then.kind=usb-root',
    `bootherd nodes set-target rack1-pi07 '{"kind":"local"}'`,
  ],
  async run({ flags, args, rest, raw, io }) {
    const target = parseTargetArgs(rest);
    const cfg = loadClientConfig(raw);
    const nodes = await selectNodes(cfg, args.NODE, flags);
    const results = await forEachNode(nodes, async (n) => {
      if (flags['dry-run']) return predict(n, target);
      const after = (await callApi(cfg, 'PUT', `/api/v1/nodes/${encodeURIComponent(n.id)}/target`, target)) as ApiNode & WithEffects;
      return { detail: `${n.state} -> ${after.state}, target ${targetSummary(after.target)}` + effectNotices(after), answer: after };
    });
    return reportPerNode(io, results, flags.output);
  },
});
