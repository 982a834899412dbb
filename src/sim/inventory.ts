// The discovery agent's inventory v1 document (discovery-image/lib/inventory.sh)
// for a simulated board, and the rescue system's SSH host key.
import { generateKeyPairSync } from 'node:crypto';
import type { BoardSpec, SimDisk } from './types.js';

/** The kernel the discovery image reports. */
const discoveryKernel = { pi4: '6.1.0-28-arm64', pi5: '6.1.0-28-arm64', x86: '6.1.0-28-amd64' };

/** Inventory v1 as agent.sh's build_inventory prints it. */
export function buildInventory(spec: BoardSpec): Record<string, unknown> {
  const pi = spec.kind !== 'x86';
  const serial = pi ? `10000000${spec.serial}` : (spec.systemSerial ?? null);
  return {
    schema: 1,
    serial,
    serialShort: pi ? spec.serial : null,
    revision: spec.revision ?? null,
    model: spec.model,
    arch: pi ? 'aarch64' : 'x86_64',
    uuid: spec.uuid ?? null,
    cpus: spec.cpus,
    // MemTotal is a little less than the RAM fitted.
    memoryBytes: Math.floor(spec.memoryBytes * 0.96 / 1024) * 1024,
    kernel: discoveryKernel[spec.kind],
    bootMode: pi ? 'network' : null,
    nics: [{ name: 'eth0', mac: spec.mac, booted: true }, ...(spec.extraNics ?? []).map((n) => ({ ...n, booted: false }))],
    disks: spec.disks.map(inventoryDisk),
  };
}

/** One disk as inv_disks reports it, partitions numbered. */
export function inventoryDisk(d: SimDisk): Record<string, unknown> {
  return {
    name: d.name, sizeBytes: d.sizeBytes, model: d.model, serial: d.serial, removable: d.removable, transport: d.transport,
    partitions: d.partitions.map((p) => ({ name: p.name, number: p.number, partuuid: p.partuuid, fstype: p.fstype, label: p.label, sizeBytes: p.sizeBytes })),
  };
}

let hostKey: string | null = null;

/** An OpenSSH ed25519 public-key line, as dropbear's host key would read (one per process). */
export function rescueHostKey(): string {
  if (hostKey) return hostKey;
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const raw = der.subarray(der.length - 32);
  const str = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
  hostKey = `ssh-ed25519 ${blob.toString('base64')} root@rescue`;
  return hostKey;
}
