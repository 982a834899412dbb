// `bootherd nodes list`: the rack at a glance, sorted by hostname.
import { loadClientConfig } from '../../config.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { byName, emit, labelList, nextBoot, shortTime, table, type ApiNode } from '../format.js';
import { listSelected, selectorFlags } from '../select.js';

const columns: Array<[string, (n: ApiNode) => string]> = [
  ['HOSTNAME', (n) => n.hostname ?? '-'],
  ['STATE', (n) => n.state],
  ['TARGET', nextBoot],
  ['HEALTH', (n) => n.health],
  ['BOOT STAGE', (n) => n.lastBoot?.stage ?? '-'],
  ['IP', (n) => n.lastIp ?? '-'],
  ['LAST SEEN', (n) => shortTime(n.lastSeenAt)],
  ['SERIAL', (n) => n.identity.serial ?? '-'],
  ['MAC', (n) => n.identity.macs[0] ?? '-'],
];
const wide: Array<[string, (n: ApiNode) => string]> = [
  ['MODEL', (n) => n.hardware.model ?? '-'],
  ['LABELS', (n) => labelList(n.labels)],
  ['ID', (n) => n.id],
];

/** The node table; `wide` adds model, labels and id. */
export function nodeTable(nodes: ApiNode[], isWide: boolean): string {
  const cols = isWide ? [...columns, ...wide] : columns;
  return table(cols.map(([h]) => h), nodes.map((n) => cols.map(([, f]) => f(n))));
}

/** Sorts by hostname (naturally: pi2 before pi10), unnamed nodes last by serial, then id. */
export function sortNodes(nodes: ApiNode[]): ApiNode[] {
  return [...nodes].sort((a, b) => byName(a.hostname, b.hostname) || byName(a.identity.serial, b.identity.serial) || a.id.localeCompare(b.id));
}

export default defineCommand({
  name: 'nodes list',
  summary: 'list nodes, sorted by hostname; retired nodes only with --all',
  flags: { ...selectorFlags, ...outputFlag(['table', 'wide', 'json', 'yaml']), ...clientFlags },
  examples: ['bootherd nodes list', 'bootherd nodes list -l rack=r1 --state ready -o wide', 'bootherd nodes list --all -o json'],
  async run({ flags, raw, io }) {
    const nodes = sortNodes(await listSelected(loadClientConfig(raw), flags));
    const format = flags.output ?? 'table';
    if (nodes.length === 0 && (format === 'table' || format === 'wide')) return void io.err('no nodes match (retired nodes are listed with --all)');
    emit(io, format, nodes, () => nodeTable(nodes, format === 'wide'));
  },
});
