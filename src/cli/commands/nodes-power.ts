// `bootherd nodes power NODE on|off|cycle|status`: switch nodes' power (or ask the device) through their power controllers.
// on and cycle of a selection (-l, --state, --all) go out paced: one plan on the server, nodes spaced by a stagger.
import { loadClientConfig } from '../../config.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { z } from 'zod';
import { clientFlags, dryRunFlag, outputFlag } from '../flags.js';
import { forEachNode, nodeArg, reportPerNode, selectNodes, selectorFlags, type NodeResult, type Selector } from '../select.js';

const actions: Record<string, string> = { on: 'power-on', off: 'power-off', cycle: 'power-cycle' };

type PowerAnswer = { delivery: string; detail: string; power?: { outcome: string; durationMs: number } };
type StatusAnswer = { controller: string; port: string; state: string; detail: string };
type PlanAnswer = { staggerSeconds: number; staggerFrom: string; plan: Array<{ id: string; hostname: string | null; offsetSeconds: number }>; skipped: Array<{ id: string; hostname: string | null; reason: string }> };

// The selector as the paced power route takes it.
function selectorBody(s: Selector, stagger: number | undefined): Record<string, unknown> {
  return {
    ...(s.state ? { state: s.state } : {}), ...(s.label.length ? { labels: Object.fromEntries(s.label.map((l) => [l.key, l.value])) } : {}),
    ...(s.all ? { all: true } : {}), ...(stagger !== undefined ? { staggerSeconds: stagger } : {}),
  };
}

// One line per node: when it is switched, or why it is not.
function planResults(op: string, r: PlanAnswer): NodeResult[] {
  const name = (n: { id: string; hostname: string | null }) => n.hostname ?? n.id;
  const steps = r.plan.map((p) => ({ node: name(p), id: p.id, ok: true, detail: `${op} at +${p.offsetSeconds.toFixed(1)} s`, answer: p }));
  return [...steps, ...r.skipped.map((p) => ({ node: name(p), id: p.id, ok: false, detail: p.reason, answer: p }))];
}

export default defineCommand({
  name: 'nodes power',
  summary: "switch nodes' power on, off or cycle it through their power controllers, or ask the device",
  description: 'off of a node running the discovery agent shuts it down through the agent; a node without a power controller answers no-power-driver.',
  flags: {
    ...selectorFlags,
    stagger: { type: 'string', value: 'SECONDS', help: 'on/cycle of a selection: seconds between two nodes (default: from the boot admission budget)', schema: z.coerce.number().min(0).max(600) },
    ...dryRunFlag, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [nodeArg, { name: 'OP', help: 'on, off, cycle or status', choices: ['on', 'off', 'cycle', 'status'] }],
  examples: ['bootherd nodes power rack1-pi07 cycle', 'bootherd nodes power rack1-pi07 status', 'bootherd nodes power -l rack=r1 on', 'bootherd nodes power --all on --stagger 2'],
  async run({ flags, args, raw, io }) {
    const op = args.OP!;
    const cfg = loadClientConfig(raw);
    if (args.NODE === undefined && (op === 'on' || op === 'cycle') && !flags['dry-run']) {
      const r = (await callApi(cfg, 'POST', `/api/v1/power/actions/${actions[op]}`, selectorBody(flags, flags.stagger as number | undefined))) as PlanAnswer;
      io.err(`${actions[op]} of ${r.plan.length} node${r.plan.length === 1 ? '' : 's'}, ${r.staggerSeconds} s apart (stagger from ${r.staggerFrom})`);
      return reportPerNode(io, planResults(op, r), flags.output);
    }
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
