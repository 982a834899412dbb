// Reads what a dynamically linked ELF64 (little-endian: arm64, amd64) needs
// to run: its program interpreter (PT_INTERP) and the sonames in DT_NEEDED.
import { ImageBuildError } from './errors.js';

/** The dynamic-linking needs of one binary or library. */
export interface ElfNeeds {
  interpreter: string | null;
  needed: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;

/** Parses `buf` (a whole ELF file); `what` names it in errors. */
export function elfNeeds(buf: Buffer, what: string): ElfNeeds {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new ImageBuildError(`elf: ${what} is not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1) throw new ImageBuildError(`elf: ${what} is not a little-endian 64-bit ELF`);
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  const loads: Array<{ vaddr: bigint; offset: bigint; size: bigint }> = [];
  let dynamic: { offset: number; size: number } | null = null;
  let interpreter: string | null = null;
  for (let i = 0; i < phnum; i++) {
    const h = phoff + i * phentsize;
    if (h + 56 > buf.length) throw new ImageBuildError(`elf: ${what}: program header ${i} past the end`);
    const type = buf.readUInt32LE(h);
    const offset = buf.readBigUInt64LE(h + 8);
    const filesz = buf.readBigUInt64LE(h + 32);
    if (type === PT_LOAD) loads.push({ vaddr: buf.readBigUInt64LE(h + 16), offset, size: filesz });
    if (type === PT_DYNAMIC) dynamic = { offset: Number(offset), size: Number(filesz) };
    if (type === PT_INTERP) interpreter = buf.subarray(Number(offset), Number(offset + filesz)).toString('latin1').replace(/\0.*$/s, '');
  }
  if (!dynamic) return { interpreter, needed: [] };
  const entries: Array<[bigint, bigint]> = [];
  for (let p = dynamic.offset; p + 16 <= dynamic.offset + dynamic.size && p + 16 <= buf.length; p += 16) {
    const tag = buf.readBigInt64LE(p);
    if (tag === 0n) break;
    entries.push([tag, buf.readBigUInt64LE(p + 8)]);
  }
  const strtab = entries.find(([t]) => t === DT_STRTAB)?.[1];
  const seg = strtab === undefined ? undefined : loads.find((l) => strtab >= l.vaddr && strtab < l.vaddr + l.size);
  if (strtab === undefined || !seg) throw new ImageBuildError(`elf: ${what}: no loadable string table`);
  const base = Number(strtab - seg.vaddr + seg.offset);
  const str = (off: bigint) => {
    const start = base + Number(off);
    const end = buf.indexOf(0, start);
    return buf.subarray(start, end < 0 ? buf.length : end).toString('latin1');
  };
  return { interpreter, needed: entries.filter(([t]) => t === DT_NEEDED).map(([, v]) => str(v)) };
}
