// Test disks with real partition tables (MBR or GPT) and filesystem magic, so
// the agent's PARTUUID and fstype detection is checked against known values.
import { crc32 } from 'node:zlib';
import { open } from 'node:fs/promises';

/** A partition to lay out: 512-byte sectors, plus which filesystem magic to stamp. */
export interface PartSpec {
  start: number;
  sectors: number;
  fs?: 'ext4' | 'vfat' | 'xfs' | 'swap';
  guid?: string;
  mbrType?: number;
}

/** One write into the image: bytes at an offset. */
export interface Patch {
  offset: number;
  data: Buffer;
}

const SECTOR = 512;

/** Filesystem signature bytes at their offsets inside a partition. */
export function fsMagic(fs: PartSpec['fs']): Patch[] {
  switch (fs) {
    case 'ext4': return [{ offset: 1080, data: Buffer.from([0x53, 0xef]) }, { offset: 1120, data: u32(0x2c2) }];
    case 'vfat': return [{ offset: 82, data: Buffer.from('FAT32   ') }, { offset: 510, data: Buffer.from([0x55, 0xaa]) }];
    case 'xfs': return [{ offset: 0, data: Buffer.from('XFSB') }];
    case 'swap': return [{ offset: 4086, data: Buffer.from('SWAPSPACE2') }];
    default: return [];
  }
}

/** An MBR disk: the PARTUUIDs are `<signature as 8 hex>-<nn>`. */
export function mbrPatches(signature: number, parts: PartSpec[]): Patch[] {
  const mbr = Buffer.alloc(SECTOR);
  mbr.writeUInt32LE(signature, 440);
  parts.forEach((p, i) => {
    const o = 446 + 16 * i;
    mbr[o + 4] = p.mbrType ?? 0x83;
    mbr.writeUInt32LE(p.start, o + 8);
    mbr.writeUInt32LE(p.sectors, o + 12);
  });
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  return [{ offset: 0, data: mbr }, ...partitionMagic(parts)];
}

/** A GPT disk of `totalSectors` with primary and backup headers and valid CRCs. */
export function gptPatches(totalSectors: number, diskGuid: string, parts: PartSpec[]): Patch[] {
  const entries = Buffer.alloc(128 * 128);
  parts.forEach((p, i) => {
    const e = i * 128;
    guidBytes('0fc63daf-8483-4772-8e79-3d69d8477de4').copy(entries, e);
    guidBytes(p.guid ?? '00000000-0000-0000-0000-000000000000').copy(entries, e + 16);
    entries.writeBigUInt64LE(BigInt(p.start), e + 32);
    entries.writeBigUInt64LE(BigInt(p.start + p.sectors - 1), e + 40);
  });
  const last = totalSectors - 1;
  const primary = gptHeader(1, last, 2, last - 33, diskGuid, entries);
  const backup = gptHeader(last, 1, last - 32, last - 33, diskGuid, entries);
  const pmbr = Buffer.alloc(SECTOR);
  pmbr[446 + 4] = 0xee;
  pmbr.writeUInt32LE(1, 446 + 8);
  pmbr.writeUInt32LE(Math.min(last, 0xffffffff), 446 + 12);
  pmbr[510] = 0x55;
  pmbr[511] = 0xaa;
  return [
    { offset: 0, data: pmbr }, { offset: SECTOR, data: primary }, { offset: 2 * SECTOR, data: entries },
    { offset: (last - 32) * SECTOR, data: entries }, { offset: last * SECTOR, data: backup },
    ...partitionMagic(parts),
  ];
}

function gptHeader(myLba: number, altLba: number, entriesLba: number, lastUsable: number, diskGuid: string, entries: Buffer): Buffer {
  const h = Buffer.alloc(SECTOR);
  h.write('EFI PART', 0, 'ascii');
  h.writeUInt32LE(0x00010000, 8);
  h.writeUInt32LE(92, 12);
  h.writeBigUInt64LE(BigInt(myLba), 24);
  h.writeBigUInt64LE(BigInt(altLba), 32);
  h.writeBigUInt64LE(34n, 40);
  h.writeBigUInt64LE(BigInt(lastUsable), 48);
  guidBytes(diskGuid).copy(h, 56);
  h.writeBigUInt64LE(BigInt(entriesLba), 72);
  h.writeUInt32LE(128, 80);
  h.writeUInt32LE(128, 84);
  h.writeUInt32LE(crc32(entries), 88);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
  return h;
}

/** GUID text to its on-disk bytes (first three groups little-endian). */
export function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

function partitionMagic(parts: PartSpec[]): Patch[] {
  return parts.flatMap((p) => fsMagic(p.fs).map((m) => ({ offset: p.start * SECTOR + m.offset, data: m.data })));
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Writes a sparse image file of `sizeBytes` with `patches` applied. */
export async function writeImage(file: string, sizeBytes: number, patches: Patch[]): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.truncate(sizeBytes);
    for (const p of patches) await fh.write(p.data, 0, p.data.length, p.offset);
  } finally {
    await fh.close();
  }
}
