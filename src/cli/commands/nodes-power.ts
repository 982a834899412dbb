// `bootherd nodes power NODE on|off|cycle|status`: switch nodes' power (or ask the device) through their power controllers.
import { loadClientConfig } from '../../config.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { forEachNode, nodeArg, reportPerNode, selectNodes, selectorFlags } from '../select.js';

const actions: Record<string, string> = { on: 'power-on', off: 'power-off', cycle: 'power-cycle' };

type PowerAnswer = { delivery: string; detail: string; power?: { outcome: string; durationMs: number } };
type StatusAnswer = { controller: string; port: string; state: string; detail: string };

export default defineCommand({
  name: 'nodes power',
  summary: "switch nodes' power on, off or cycle it through their power controllers, or ask the device",
  description: 'off of a node running the discovery agent shuts it down through the agent; a node without a power controller answers no-power-driver.',
  flags: { ...selectorFlags, ...dryRunFlag, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [nodeArg, { name: 'OP', help: 'on, off, cycle or status', choices: ['on', 'off', 'cycle', 'status'] }],
  examples: ['bootherd nodes power rack1-pi07 cycle', 'bootherd nodes power rack1-pi07 status', 'bootherd nodes power -l rack=r1 on'],
  async run({ flags, args, raw, io }) {
    const op = args.OP!;
    const cfg = loadClientConfig(raw);
    const nodes = await selectNodes(cfg, args.NODE, flags);
    const results = await forEachNode(nodes, async (n) => {
      const id = encodeURIComponent(n.id);
      if (op === 'status') {
        const r = (await callApi(cfg, 'GET', `/api/v1/nodes/${id}/power`)) as StatusAnswer;
        return { detail: `power ${r.state} (${r.controller} port ${r.port}): ${r.detail}`, answer: r };
      }
      if (flags['dry-run']) return `would power ${op} (${n.power ? `controller ${n.power.controller} port ${n.power.port}` : 'no power controller: would be refused unless its agent polls'})`;
      const r = (await callApi(cfg, 'POST', `/api/v1/nodes/${id}/actions/${actions[op]}`)) as PowerAnswer;
      return { detail: r.power ? `${op} ${r.power.outcome} in ${r.power.durationMs} ms: ${r.detail}` : r.detail, answer: r };
    });
    return reportPerNode(io, results, flags.output);
  },
});
