// Fills a real SQLite database with a plausible rack: Pi 4s in every state,
// with hostnames, labels, targets, boot progress and events, written through
// the Store the server itself uses.
import { newNode } from '../../src/core/enroll.js';
import type { Node, NodeState } from '../../src/domain/node.js';
import { createSqliteStore } from '../../src/store/sqlite.js';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
const mix: NodeState[] = ['deployed', 'deployed', 'deployed', 'deployed', 'deployed', 'ready', 'new', 'installing', 'rescue', 'failed', 'deployed', 'retired'];
const stages = ['firmware', 'kernel', 'initramfs', 'os-up'] as const;

/** A seeded node; `i` picks its serial, MAC, state and rack. */
export function seedNode(i: number, at: string): Node {
  const serial = hex(0xd0000000 + i, 8);
  const mac = `dc:a6:32:${hex((i >> 16) & 0xff, 2)}:${hex((i >> 8) & 0xff, 2)}:${hex(i & 0xff, 2)}`;
  const state = mix[i % mix.length]!;
  const rack = `rack${1 + Math.floor(i / 40)}`;
  const n = newNode({ serial, macs: [mac] }, at, `10.0.${(i >> 8) & 0xff}.${i & 0xff}`);
  const target: Node['target'] = state === 'new' || state === 'ready' ? null : i % 3 === 0 ? { kind: 'usb-root', partuuid: `${hex(i, 8)}-02` } : { kind: 'nfs-root', server: '10.0.0.1', path: `/srv/roots/${rack}-pi${i}`, options: 'vers=3' };
  return {
    ...n,
    hostname: state === 'new' ? null : `${rack}-pi${String(i % 40).padStart(2, '0')}`,
    state,
    target,
    labels: { rack, role: i % 7 === 0 ? 'storage' : 'worker' },
    health: state === 'failed' ? 'wedged' : 'ok',
    healthReason: state === 'failed' ? 'stalled-at-kernel' : null,
    hardware: { ...n.hardware, model: 'Raspberry Pi 4 Model B Rev 1.4', revision: 'd03114', family: 'pi4', soc: 'BCM2711', arch: 'aarch64', cpus: 4, memoryBytes: 8 * 1024 ** 3, nics: [{ name: 'eth0', mac, booted: true }] },
    lastBoot: state === 'new' ? null : { startedAt: at, via: 'tftp', clientIp: n.lastIp, files: 9, probes: 3, notFound: 2, failed: 0, bytes: 31_000_000, stage: stages[state === 'deployed' ? 3 : i % 4]!, updatedAt: at },
  };
}

/** Writes `count` seeded nodes (and `extra` nodes as given) into the database file; returns them. */
export async function seedDatabase(file: string, count: number, extra: Node[] = []): Promise<Node[]> {
  const store = createSqliteStore(file);
  const at = new Date().toISOString();
  const nodes = [...Array.from({ length: count }, (_, i) => seedNode(i, at)), ...extra];
  try {
    for (const n of nodes) await store.createNode(n, [{ kind: 'seen', data: { serial: n.identity.serial, via: 'tftp', enrolled: true } }, ...(n.state !== 'new' ? [{ kind: 'transition', data: { event: 'seed', from: 'new', to: n.state } }] : [])], at);
  } finally {
    await store.close();
  }
  return nodes;
}
