// `bootherd nodes events NODE`: a node's event log (or each selected node's).
import { loadClientConfig } from '../../config.js';
import { eventsQuery } from '../../http/schemas.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { emit, nodeName, shortTime, table } from '../format.js';
import { nodeArg, selectNodes, selectorFlags } from '../select.js';

type Event = { id: number; at: string; kind: string; data: Record<string, unknown> };

export default defineCommand({
  name: 'nodes events',
  summary: "show a node's event log: seen, inventory, transitions, rules, power, ...",
  flags: {
    ...selectorFlags,
    limit: { type: 'string', value: 'N', help: 'at most N events per node (default 500)', schema: eventsQuery.shape.limit },
    ...outputFlag(['table', 'json', 'yaml']),
    ...clientFlags,
  },
  positionals: [nodeArg],
  examples: ['bootherd nodes events rack1-pi07', 'bootherd nodes events -l rack=r1 --limit 20 -o json'],
  async run({ flags, args, raw, io }) {
    const cfg = loadClientConfig(raw);
    const nodes = await selectNodes(cfg, args.NODE, flags);
    const qs = flags.limit ? `?limit=${flags.limit}` : '';
    const all: Array<Event & { node: string }> = [];
    for (const n of nodes) {
      const { events } = (await callApi(cfg, 'GET', `/api/v1/nodes/${encodeURIComponent(n.id)}/events${qs}`)) as { events: Event[] };
      all.push(...events.map((e) => ({ ...e, node: nodeName(n) })));
    }
    const many = nodes.length > 1;
    emit(io, flags.output ?? 'table', all, () =>
      table([...(many ? ['NODE'] : []), 'AT', 'KIND', 'DATA'], all.map((e) => [...(many ? [e.node] : []), shortTime(e.at), e.kind, JSON.stringify(e.data)])));
  },
});
