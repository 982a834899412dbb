// Inventory v1: the discovery image's report (DESIGN §5). Every field but
// `nics` is optional; unknown fields are kept but not trusted.
import { z } from 'zod';
import type { Issue } from '../errors.js';
import { normalizeMac, normalizeSerial, normalizeUuid } from './identity.js';
import { jsonBytes, jsonDeeperThan } from './json-bounds.js';
import type { ClaimedIdentity } from './merge.js';
import type { Hardware } from './node.js';
import { decodeRevision } from './revision.js';

const text = (max: number) => z.string().max(max);
const count = z.number().int().nonnegative();

/** One network interface as the discovery image saw it. */
export const nicSchema = z.looseObject({
  name: text(32).optional(),
  mac: z.string().max(64),
  booted: z.boolean().optional(),
});

/** One partition on a block device. */
export const partitionSchema = z.looseObject({
  name: text(64).optional(),
  partuuid: text(64).nullish(),
  fstype: text(32).nullish(),
  label: text(64).nullish(),
  sizeBytes: count.optional(),
});

/** One block device. */
export const diskSchema = z.looseObject({
  name: text(64),
  sizeBytes: count.optional(),
  model: text(128).nullish(),
  serial: text(128).nullish(),
  removable: z.boolean().optional(),
  transport: text(32).nullish(),
  partitions: z.array(partitionSchema).max(128).default([]),
});

/** How much of a report's unknown fields is kept: nesting depth of each, and their total size serialized. */
export const unknownFieldLimits = { depth: 8, bytes: 16 * 1024 };

const knownKeys = {
  report: new Set(['serial', 'revision', 'model', 'arch', 'uuid', 'cpus', 'memoryBytes', 'kernel', 'bootMode', 'nics', 'disks']),
  nic: new Set(['name', 'mac', 'booted']),
  disk: new Set(['name', 'sizeBytes', 'model', 'serial', 'removable', 'transport', 'partitions']),
  partition: new Set(['name', 'partuuid', 'fstype', 'label', 'sizeBytes']),
};

function unknownOf(obj: Record<string, unknown>, known: Set<string>, at: string): Array<[string, unknown]> {
  return Object.entries(obj).filter(([k]) => !known.has(k)).map(([k, v]) => [at + k, v]);
}

/** Problems with the unknown fields of a report (kept, not trusted): too deep, or too large together. */
export function unknownFieldIssues(inv: { nics: object[]; disks: Array<{ partitions: object[] }> } & object): Issue[] {
  const fields = [
    ...unknownOf(inv as Record<string, unknown>, knownKeys.report, ''),
    ...inv.nics.flatMap((n, i) => unknownOf(n as Record<string, unknown>, knownKeys.nic, `nics.${i}.`)),
    ...inv.disks.flatMap((d, i) => [
      ...unknownOf(d as Record<string, unknown>, knownKeys.disk, `disks.${i}.`),
      ...d.partitions.flatMap((p, j) => unknownOf(p as Record<string, unknown>, knownKeys.partition, `disks.${i}.partitions.${j}.`)),
    ]),
  ];
  const { depth, bytes } = unknownFieldLimits;
  const deep = fields.filter(([, v]) => jsonDeeperThan(v, depth));
  if (deep.length) return deep.map(([path]) => ({ path, message: `unknown field nested deeper than ${depth} levels` }));
  const sizes = fields.map(([path, v]) => ({ path, size: path.length + jsonBytes(v) })).sort((a, b) => b.size - a.size);
  const total = sizes.reduce((sum, f) => sum + f.size, 0);
  return total > bytes ? [{ path: sizes[0]!.path, message: `unknown fields take ${total} bytes serialized; at most ${bytes} are kept` }] : [];
}

/** The whole report. */
export const inventorySchema = z.looseObject({
  serial: z.string().max(128).regex(/^[\x20-\x7e]*$/, { message: 'printable ASCII only' }).nullish(),
  revision: text(16).nullish(),
  model: text(128).nullish(),
  arch: text(32).nullish(),
  uuid: text(64).nullish(),
  cpus: count.max(4096).optional(),
  memoryBytes: count.optional(),
  kernel: text(128).nullish(),
  bootMode: text(32).nullish(),
  nics: z.array(nicSchema).min(1).max(64),
  disks: z.array(diskSchema).max(256).default([]),
}).superRefine((inv, ctx) => {
  for (const i of unknownFieldIssues(inv)) ctx.addIssue({ code: 'custom', path: i.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message: i.message });
});

/** A validated inventory report. */
export type Inventory = z.infer<typeof inventorySchema>;
/** A disk in an inventory. */
export type Disk = z.infer<typeof diskSchema>;

/** The identities an inventory claims, normalised, with a problem per unusable value. */
export function claimOf(inv: Inventory): { claim: ClaimedIdentity; issues: Issue[] } {
  const issues: Issue[] = [];
  const macs: string[] = [];
  inv.nics.forEach((nic, i) => {
    const mac = normalizeMac(nic.mac);
    if (mac) macs.includes(mac) || macs.push(mac);
    else issues.push({ path: `nics.${i}.mac`, message: `not a MAC address: ${JSON.stringify(nic.mac)}` });
  });
  // Only a Pi (ARM) serial is an identity: an x86 board's DMI serial is a plain hardware fact.
  const piSerial = inv.serial && isArmOrUnknown(inv.arch) ? normalizeSerial(inv.serial) : null;
  if (inv.serial && isArmOrUnknown(inv.arch) && /^(?:0x)?[0-9a-fA-F]+$/.test(inv.serial.trim()) && !piSerial) issues.push({ path: 'serial', message: 'a Pi serial must be 8 or 16 hex digits' });
  const serial = piSerial;
  const uuid = inv.uuid ? normalizeUuid(inv.uuid) : null;
  return { claim: { serial, macs, uuid }, issues };
}

function isArmOrUnknown(arch: string | null | undefined): boolean {
  return !arch || /^(aarch64|arm)/.test(arch);
}

/** Hardware facts from an inventory, falling back to what was known and to the revision code. */
export function hardwareFrom(inv: Inventory, prev: Hardware): Hardware {
  const rev = inv.revision ? decodeRevision(inv.revision) : null;
  const serialFull = inv.serial && isArmOrUnknown(inv.arch) && /^[0-9a-fA-F]{16}$/.test(inv.serial) ? inv.serial.toLowerCase() : prev.serialFull;
  const systemSerial = inv.serial && !isArmOrUnknown(inv.arch) ? inv.serial : (prev.systemSerial ?? null);
  const extra = Object.fromEntries(Object.entries(inv).filter(([k]) => !knownKeys.report.has(k)));
  return {
    model: inv.model ?? rev?.model ?? prev.model,
    revision: rev?.revision ?? inv.revision ?? prev.revision,
    family: rev?.family ?? prev.family,
    soc: rev?.soc ?? prev.soc,
    arch: inv.arch ?? prev.arch,
    cpus: inv.cpus ?? prev.cpus,
    memoryBytes: inv.memoryBytes ?? prev.memoryBytes,
    boardMemoryBytes: rev?.memoryBytes ?? prev.boardMemoryBytes ?? null,
    serialFull,
    systemSerial,
    kernel: inv.kernel ?? prev.kernel,
    bootMode: inv.bootMode ?? prev.bootMode,
    nics: inv.nics.flatMap((n) => {
      const mac = normalizeMac(n.mac);
      return mac ? [{ name: n.name ?? null, mac, booted: n.booted === true }] : [];
    }),
    disks: inv.disks,
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
