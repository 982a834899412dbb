// The node record: what bootherd knows about one machine.
import type { Target } from './targets.js';
import type { Disk } from './inventory.js';
import type { Health, WatchdogOverride } from './wedge.js';

/** Lifecycle states (DESIGN §3). */
export const states = ['new', 'ready', 'installing', 'deployed', 'rescue', 'failed', 'retired'] as const;
/** One lifecycle state. */
export type NodeState = (typeof states)[number];

/** Hardware facts, from the inventory and the Pi revision code. */
export interface Hardware {
  model: string | null;
  revision: string | null;
  family: string | null;
  soc: string | null;
  arch: string | null;
  cpus: number | null;
  /** RAM as the OS sees it (less than the board's: the GPU and the kernel keep some). */
  memoryBytes: number | null;
  /** The board's nominal RAM, from its revision code (a "4 GB" Pi 4: 4294967296); null when unknown. */
  boardMemoryBytes?: number | null;
  serialFull: string | null;
  /** The system (DMI) serial number of a non-Pi machine. */
  systemSerial?: string | null;
  kernel: string | null;
  bootMode: string | null;
  nics: Array<{ name: string | null; mac: string; booted: boolean }>;
  disks: Disk[];
  /** Report fields bootherd does not know: kept, not trusted. */
  extra?: Record<string, unknown>;
}

/** Which files a node fetched during its latest boot, coalesced. */
export interface LastBoot {
  startedAt: string;
  via: 'tftp' | 'http';
  clientIp: string | null;
  files: number;
  probes: number;
  notFound: number;
  failed: number;
  bytes: number;
  stage: 'firmware' | 'kernel' | 'initramfs' | 'os-up';
  updatedAt: string;
}

/** One partition as an installer reported it. */
export interface InstalledPartition {
  name: string | null;
  partuuid: string | null;
  fstype: string | null;
  label: string | null;
}

/** What the latest successful install wrote, as its installer reported it (it wins over older inventory). */
export interface Installed {
  image: string | null;
  disk: string | null;
  partitions: InstalledPartition[];
  at: string;
}

/** An action waiting for the node's agent. */
export type PendingAction = 'reboot' | 'poweroff' | null;

/** Which controller switches a node, and which of its ports (`auto`: looked up by MAC; `resolvedPort` is what was found). */
export interface NodePowerLink {
  controller: string;
  port: string;
  resolvedPort?: string | null;
}

/** The last power request bootherd carried out for a node (reboot: handed to its agent). */
export interface LastPower {
  op: 'on' | 'off' | 'cycle' | 'reboot';
  at: string;
}

/** The watchdog's escalation for a wedged node: power-cycles so far, whether it was sent to rescue, when it may act next. */
export interface Escalation {
  reason: string;
  since: string;
  attempts: number;
  rescued: boolean;
  nextAt: string | null;
}

/** A per-node NFS root that bootherd made (DESIGN §9). */
export interface NodeRoot {
  provider: 'btrfs' | 'copy';
  path: string;
  image: string;
  createdAt: string;
  /** True once the export for this root (to `exportedTo` only) was written and reloaded. */
  exported: boolean;
  exportedTo?: string | null;
  exportId?: number;
  exportError?: string | null;
  /** Hash of the token rendered into the root (etc/bootherd/node.env): the node's OS reports with it. */
  tokenHash?: string;
}

/** One node. `version` increases by one with every stored change (compare-and-set). */
export interface Node {
  id: string;
  hostname: string | null;
  state: NodeState;
  target: Target | null;
  rescueFrom: NodeState | null;
  identity: { serial: string | null; macs: string[]; uuid: string | null };
  hardware: Hardware;
  labels: Record<string, string>;
  health: Health;
  healthReason?: string | null;
  /** Why the node's identity is in conflict (DESIGN §2), or null. */
  conflict?: string | null;
  power?: NodePowerLink | null;
  lastPower?: LastPower | null;
  /** When the node's agent or OS last spoke, and which of them. */
  lastHeartbeatAt?: string | null;
  heartbeatFrom?: 'agent' | 'os' | null;
  watchdog?: WatchdogOverride | null;
  escalation?: Escalation | null;
  /** How to reach the node's rescue system, as its agent reported it. */
  rescueAccess?: { ssh: string; hostKey: string; at: string } | null;
  failure: string | null;
  lastIp: string | null;
  lastSeenAt: string | null;
  lastBoot: LastBoot | null;
  /** The running install: handed out once per assignment (`startedAt`), progress as the agent reports it. */
  install: { bytes: number; updatedAt: string; startedAt?: string; totalBytes?: number | null; percent?: number | null } | null;
  /** The latest successful install; absent on nodes never installed. */
  installed?: Installed | null;
  pendingAction: PendingAction;
  enrolledBy: string | null;
  /** Enrolled by a boot request and since then neither reported nor touched by an operator (may expire). */
  pending?: boolean;
  /** The NFS root bootherd made for this node; absent in records from before roots existed. */
  root?: NodeRoot | null;
  bootToken: string;
  agentTokenHash: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** An empty hardware record. */
export function emptyHardware(): Hardware {
  return { model: null, revision: null, family: null, soc: null, arch: null, cpus: null, memoryBytes: null, boardMemoryBytes: null, serialFull: null, kernel: null, bootMode: null, nics: [], disks: [] };
}

/** A node record as stored, read in today's shape: before health meant wedge detection it also held 'identity-conflict' and 'failed'. */
export function normalizeNode(doc: Node): Node {
  const old = doc.health as string;
  const current = old === 'ok' || old === 'booting' || old === 'wedged' || old === 'unreachable';
  const conflict = old === 'identity-conflict' ? (doc.conflict ?? 'identity conflict (recorded before conflicts had their own field; see the identity-conflict events)') : (doc.conflict ?? null);
  // Fields added after a record was written read as their defaults, so every node has the same shape.
  return {
    ...doc,
    health: current ? doc.health : 'ok',
    healthReason: doc.healthReason ?? null,
    conflict,
    power: doc.power ?? null,
    lastPower: doc.lastPower ?? null,
    lastHeartbeatAt: doc.lastHeartbeatAt ?? null,
    heartbeatFrom: doc.heartbeatFrom ?? null,
    watchdog: doc.watchdog ?? null,
    escalation: doc.escalation ?? null,
    rescueAccess: doc.rescueAccess ?? null,
    installed: doc.installed ?? null,
    pending: doc.pending ?? false,
    root: doc.root ?? null,
  };
}

/** A node as the API shows it: secrets left out. */
export function publicNode(n: Node): Omit<Node, 'bootToken' | 'agentTokenHash'> {
  const { bootToken: _b, agentTokenHash: _a, ...rest } = n;
  if (!n.root) return rest;
  const { tokenHash: _t, ...root } = n.root;
  return { ...rest, root };
}
