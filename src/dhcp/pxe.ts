// PXE options (PXE 2.1, RFC 4578, RFC 3004): what a client says about itself
// (60, 77, 93, 94, 97, 43 sub-option 71) and the vendor options (43) a PXE
// server answers with.
import { Opt, type DhcpPacket } from './packet.js';
import type { PxeVendorOptions } from './types.js';

/** The PXE facts of a request, each null when absent or malformed. */
export interface PxeFacts {
  vendorClass: string | null;
  userClasses: string[];
  arches: number[];
  ndi: { type: number; major: number; minor: number } | null;
  machineId: Uint8Array | null;
  bootItem: { type: number; layer: number } | null;
}

const printable = /^[\x20-\x7e]*$/;

/** Reads the PXE options of a request, strictly: malformed ones count as absent. */
export function pxeFacts(p: DhcpPacket): PxeFacts {
  const o = p.options;
  const vc = o.get(Opt.vendorClass)?.toString('latin1') ?? null;
  return {
    vendorClass: vc !== null && printable.test(vc) ? vc : null,
    userClasses: userClasses(o.get(Opt.userClass)),
    arches: arches(o.get(Opt.clientArch)),
    ndi: ndi(o.get(Opt.clientNdi)),
    machineId: machineId(o.get(Opt.machineId)),
    bootItem: bootItem(o.get(Opt.vendorSpecific)),
  };
}

/** True when option 60 says "PXEClient" (PXE 2.1 §2.2: the first 9 bytes). */
export function isPxeClient(f: PxeFacts): boolean {
  return f.vendorClass !== null && f.vendorClass.startsWith('PXEClient');
}

// RFC 3004 is a list of length-prefixed strings; iPXE sends one bare string.
function userClasses(v: Buffer | undefined): string[] {
  if (!v || v.length === 0) return [];
  const list: string[] = [];
  for (let i = 0; i < v.length; ) {
    const len = v[i]!;
    if (len === 0 || i + 1 + len > v.length) return printable.test(v.toString('latin1')) ? [v.toString('latin1')] : [];
    list.push(v.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
  return list.every((s) => printable.test(s)) ? list : [];
}

function arches(v: Buffer | undefined): number[] {
  if (!v || v.length === 0 || v.length % 2 !== 0) return [];
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 2) out.push(v.readUInt16BE(i));
  return out;
}

function ndi(v: Buffer | undefined): PxeFacts['ndi'] {
  return v && v.length === 3 ? { type: v[0]!, major: v[1]!, minor: v[2]! } : null;
}

// RFC 4578 §2.3: type 0 then a 16-byte identifier.
function machineId(v: Buffer | undefined): Uint8Array | null {
  return v && v.length === 17 && v[0] === 0 ? new Uint8Array(v) : null;
}

// The PXE boot item a client asks a boot server for (sub-option 71 of option 43).
function bootItem(v: Buffer | undefined): PxeFacts['bootItem'] {
  if (!v) return null;
  for (let i = 0; i < v.length; ) {
    const code = v[i]!;
    if (code === 255) return null;
    if (code === 0) {
      i++;
      continue;
    }
    const len = v[i + 1];
    if (len === undefined || i + 2 + len > v.length) return null;
    if (code === 71 && len === 4) return { type: v.readUInt16BE(i + 2), layer: v.readUInt16BE(i + 4) };
    i += 2 + len;
  }
  return null;
}

/**
 * Encodes PXE vendor options in dnsmasq's order: 6 (discovery control),
 * 10 (menu prompt), 9 (boot menu), 71 (boot item), then END. dnsmasq's
 * `pxe-service=0,"Raspberry Pi Boot"` is 06 01 03, 0a 04 00 'PXE',
 * 09 14 00 00 11 'Raspberry Pi Boot', ff.
 */
export function encodeVendorOptions(v: PxeVendorOptions): Buffer {
  const parts: Buffer[] = [];
  const sub = (code: number, value: Buffer) => {
    if (value.length > 255) throw new RangeError(`PXE sub-option ${code} longer than 255 bytes`);
    parts.push(Buffer.from([code, value.length]), value);
  };
  if (v.discoveryControl !== undefined) sub(6, Buffer.from([v.discoveryControl & 0xff]));
  if (v.menuPrompt) sub(10, Buffer.concat([Buffer.from([v.menuPrompt.timeout & 0xff]), Buffer.from(v.menuPrompt.text, 'latin1')]));
  if (v.bootMenu?.length) {
    sub(9, Buffer.concat(v.bootMenu.map((m) => {
      const desc = Buffer.from(m.description, 'latin1');
      if (desc.length > 255) throw new RangeError('PXE menu description longer than 255 bytes');
      const head = Buffer.alloc(3);
      head.writeUInt16BE(m.type, 0);
      head[2] = desc.length;
      return Buffer.concat([head, desc]);
    })));
  }
  if (v.bootItem) {
    const item = Buffer.alloc(4);
    item.writeUInt16BE(v.bootItem.type, 0);
    item.writeUInt16BE(v.bootItem.layer, 2);
    sub(71, item);
  }
  return Buffer.concat([...parts, Buffer.from([255])]);
}
