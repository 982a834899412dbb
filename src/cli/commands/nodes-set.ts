// `bootherd nodes set NODE hostname=... label.K=V label.K-`: rename and relabel (PATCH).
import { loadClientConfig } from '../../config.js';
import { nodePatchSchema } from '../../http/schemas.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { forEachNode, nodeArg, reportPerNode, selectNodes, selectorFlags } from '../select.js';
import { UsageError } from '../usage.js';
import { parseValue } from '../values.js';

type Patch = { hostname?: string | null; labels?: Record<string, string | null> };

/** Reads `hostname=NAME`, `hostname-`, `label.K=V` and `label.K-` into a PATCH body checked by the API's schema. */
export function parseAssignments(items: string[]): Patch {
  const patch: Patch = {};
  for (const item of items) {
    const m = /^(hostname|label\.([^=]+?))(?:=(.*)|(-))$/s.exec(item);
    if (!m) throw new UsageError(`nodes set: expected hostname=NAME, hostname-, label.KEY=VALUE or label.KEY-, got ${JSON.stringify(item)}`);
    const value = m[4] ? null : m[3]!;
    if (m[2] === undefined) patch.hostname = value;
    else patch.labels = { ...patch.labels, [m[2]]: value };
  }
  return parseValue(nodePatchSchema, patch, 'nodes set') as Patch;
}

/** The change in words: `hostname pi07, label rack=r1, label old removed`. */
export function describePatch(p: Patch): string {
  const parts: string[] = [];
  if (p.hostname !== undefined) parts.push(p.hostname === null ? 'hostname removed' : `hostname ${p.hostname}`);
  for (const [k, v] of Object.entries(p.labels ?? {})) parts.push(v === null ? `label ${k} removed` : `label ${k}=${v}`);
  return parts.join(', ');
}

export default defineCommand({
  name: 'nodes set',
  summary: "set a node's hostname and labels",
  flags: { ...selectorFlags, ...dryRunFlag, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [nodeArg, { name: 'CHANGE', help: 'hostname=NAME, hostname- (remove), label.KEY=VALUE, label.KEY- (remove)', variadic: true }],
  examples: ['bootherd nodes set 0000ab01 hostname=rack1-pi07 label.rack=r1', 'bootherd nodes set -l rack=r1 label.role=worker label.old-', 'bootherd nodes set --state ready label.pool=spare --dry-run'],
  async run({ flags, args, rest, raw, io }) {
    const patch = parseAssignments(rest);
    const cfg = loadClientConfig(raw);
    const nodes = await selectNodes(cfg, args.NODE, flags);
    if (nodes.length > 1 && typeof patch.hostname === 'string') throw new UsageError(`nodes set: hostname=${patch.hostname} would name ${nodes.length} nodes alike; name one node, or give them names with a rule (bootherd rules apply)`);
    const what = describePatch(patch);
    const results = await forEachNode(nodes, async (n) => {
      if (flags['dry-run']) return `would set ${what}`;
      await callApi(cfg, 'PATCH', `/api/v1/nodes/${encodeURIComponent(n.id)}`, patch);
      return `set ${what}`;
    });
    return reportPerNode(io, results, flags.output);
  },
});
