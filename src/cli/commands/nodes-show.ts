// `bootherd nodes show`: one node (or each selected one) as a readable table.
import { loadClientConfig } from '../../config.js';
import type { LastBoot } from '../../domain/node.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { bytes, emit, keyValues, labelList, nextBoot, shortTime, targetSummary, type ApiNode } from '../format.js';
import { nodeArg, selectNodes, selectorFlags } from '../select.js';

const shown = new Set(['id', 'hostname', 'state', 'target', 'nextBoot', 'rescueFrom', 'identity', 'hardware', 'labels', 'health', 'healthReason', 'failure', 'conflict', 'power', 'lastPower', 'lastHeartbeatAt', 'heartbeatFrom', 'pending', 'lastIp', 'lastSeenAt', 'lastBoot', 'install', 'pendingAction', 'enrolledBy', 'version', 'createdAt', 'updatedAt']);

function bootLine(b: LastBoot | null): string {
  if (!b) return '-';
  return `${shortTime(b.startedAt)} over ${b.via}${b.clientIp ? ` from ${b.clientIp}` : ''}: reached ${b.stage}; ${b.files} files, ${bytes(b.bytes)}, ${b.probes} probes, ${b.notFound} not found, ${b.failed} failed`;
}

function diskLines(n: ApiNode): string {
  if (!n.hardware.disks.length) return '-';
  return n.hardware.disks
    .map((d) => {
      const parts = d.partitions.map((p) => [p.name, p.fstype, p.partuuid].filter(Boolean).join(' ')).join(', ');
      return `${d.name} ${bytes(d.sizeBytes)}${d.transport ? ` ${d.transport}` : ''}${d.model ? ` ${d.model}` : ''}${parts ? ` (${parts})` : ''}`;
    })
    .join('\n');
}

// Fields this table does not know yet (added by newer servers) are shown, never hidden: text as it is, the rest as JSON.
const extraRows = (n: ApiNode): Array<[string, string]> =>
  Object.entries(n).filter(([k, v]) => !shown.has(k) && v !== undefined && v !== null).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => ` ${c}`).toUpperCase(), typeof v === 'string' ? v : JSON.stringify(v)]);

type PowerFields = { power?: { controller: string; port: string; resolvedPort?: string | null } | null; lastPower?: { op: string; at: string } | null };

function powerLine(n: ApiNode & PowerFields): string {
  if (!n.power) return '-';
  const port = n.power.port === 'auto' ? `auto${n.power.resolvedPort ? ` (${n.power.resolvedPort})` : ''}` : n.power.port;
  return `${n.power.controller} port ${port}${n.lastPower ? `; last ${n.lastPower.op} ${shortTime(n.lastPower.at)}` : ''}`;
}

// Rows shown only when they say something.
const when = (cond: unknown, row: [string, string]): Array<[string, string]> => (cond ? [row] : []);

/** One node as `KEY  value` lines. */
export function nodeDetails(n: ApiNode): string {
  const hw = n.hardware;
  const rows: Array<[string, string]> = [
    ['HOSTNAME', n.hostname ?? '-'],
    ['ID', n.id],
    ['STATE', n.state + (n.rescueFrom ? ` (from ${n.rescueFrom})` : '') + (n.pendingAction ? `, pending ${n.pendingAction}` : '')],
    ['TARGET', targetSummary(n.target)],
    ['NEXT BOOT', nextBoot(n)],
    ['HEALTH', n.health + (n.healthReason ? ` (${String(n.healthReason)})` : '') + (n.failure ? `: ${n.failure}` : '')],
    ...when(n.conflict, ['CONFLICT', String(n.conflict)]),
    ['SERIAL', n.identity.serial ?? '-'],
    ['MACS', n.identity.macs.join(', ') || '-'],
    ['UUID', n.identity.uuid ?? '-'],
    ['MODEL', [hw.model, hw.revision ? `rev ${hw.revision}` : null].filter(Boolean).join(', ') || '-'],
    ['HARDWARE', [hw.arch, hw.cpus ? `${hw.cpus} CPUs` : null, hw.memoryBytes ? bytes(hw.memoryBytes) : null].filter(Boolean).join(', ') || '-'],
    ['DISKS', diskLines(n)],
    ['LABELS', labelList(n.labels)],
    ['ENROLLED BY', n.enrolledBy ?? '-'],
    ['IP', n.lastIp ?? '-'],
    ['LAST SEEN', shortTime(n.lastSeenAt)],
    ['LAST BOOT', bootLine(n.lastBoot)],
    ...when(n.lastHeartbeatAt, ['HEARTBEAT', `${shortTime(n.lastHeartbeatAt as string)}${n.heartbeatFrom ? ` from its ${String(n.heartbeatFrom)}` : ''}`]),
    ['POWER', powerLine(n as ApiNode & PowerFields)],
    ...when(n.pending, ['PENDING', 'enrolled by a boot request; never reported']),
    ...(n.install ? [['INSTALL', `${bytes(n.install.bytes)} written, at ${shortTime(n.install.updatedAt)}`] as [string, string]] : []),
    ...extraRows(n),
    ['VERSION', String(n.version)],
    ['CREATED', shortTime(n.createdAt)],
    ['UPDATED', shortTime(n.updatedAt)],
  ];
  return keyValues(rows);
}

export default defineCommand({
  name: 'nodes show',
  summary: 'show a node (or each selected node) as a table, or as JSON/YAML',
  flags: { ...selectorFlags, ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [nodeArg],
  examples: ['bootherd nodes show rack1-pi07', 'bootherd nodes show dc:a6:32:01:36:c2 -o yaml', 'bootherd nodes show -l rack=r1 -o json'],
  async run({ flags, args, raw, io }) {
    const nodes = await selectNodes(loadClientConfig(raw), args.NODE, flags);
    emit(io, flags.output ?? 'table', args.NODE ? nodes[0] : nodes, () => nodes.map(nodeDetails).join('\n\n'));
  },
});
