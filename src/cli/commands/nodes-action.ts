// `bootherd nodes action NODE ACTION`: rescue, end-rescue, reboot, power-on, power-off, retire, reset, reprovision-root.
import { loadClientConfig } from '../../config.js';
import { transition, type LifecycleEvent } from '../../domain/lifecycle.js';
import type { Node } from '../../domain/node.js';
import { nodeActions } from '../../core/nodes.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { effectNotices, type ApiNode, type WithEffects } from '../format.js';
import { forEachNode, nodeArg, reportPerNode, selectNodes, selectorFlags } from '../select.js';

const lifecycle: Record<string, LifecycleEvent['type']> = { rescue: 'rescue', 'end-rescue': 'end-rescue', retire: 'retire', reset: 'reset' };

// What the server's state machine will do (the same pure table), for --dry-run.
function predict(n: ApiNode, action: string): string {
  const type = lifecycle[action];
  if (!type) return `would ${action} (through its agent if it polls, else its power controller)`;
  try {
    const next = transition(n as unknown as Node, { type } as LifecycleEvent, new Date().toISOString());
    return `would ${action}: ${n.state} -> ${next.node.state}${next.effects.length ? ` (${next.effects.map((e) => e.kind).join(', ')})` : ''}`;
  } catch (err) {
    return `would be refused: ${(err as Error).message}`;
  }
}

export default defineCommand({
  name: 'nodes action',
  summary: 'rescue, end-rescue, reboot, power-on, power-off, retire, reset or reprovision-root nodes',
  flags: {
    ...selectorFlags, ...dryRunFlag, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags,
    force: { type: 'boolean', help: 'reprovision-root: also while the node is booted from its root' },
    wipe: { type: 'boolean', help: "retire: remove the node's NFS root too" },
  },
  positionals: [nodeArg, { name: 'ACTION', help: 'what to do', choices: nodeActions }],
  examples: ['bootherd nodes action rack1-pi07 rescue', 'bootherd nodes action -l rack=r1 reboot', 'bootherd nodes action --state failed reset --dry-run', 'bootherd nodes action rack1-pi07 retire --wipe'],
  async run({ flags, args, raw, io }) {
    const action = args.ACTION!;
    const cfg = loadClientConfig(raw);
    const nodes = await selectNodes(cfg, args.NODE, flags);
    const results = await forEachNode(nodes, async (n) => {
      if (flags['dry-run']) return predict(n, action);
      const body = flags.force || flags.wipe ? { ...(flags.force ? { force: true } : {}), ...(flags.wipe ? { wipe: true } : {}) } : undefined;
      const r = (await callApi(cfg, 'POST', `/api/v1/nodes/${encodeURIComponent(n.id)}/actions/${action}`, body)) as { detail: string } & WithEffects;
      return { detail: r.detail + effectNotices(r), answer: r };
    });
    return reportPerNode(io, results, flags.output);
  },
});
