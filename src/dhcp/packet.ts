// DHCPv4 wire format (RFC 2131, options RFC 2132): a strict, bounds-checked
// codec. Options that appear more than once are concatenated (RFC 3396, long
// options), and option 52 (overload) moves options into `file` and `sname`.

/** BOOTP op codes. */
export const BootOp = { request: 1, reply: 2 } as const;

/** DHCP message types (option 53). */
export const MsgType = { discover: 1, offer: 2, request: 3, decline: 4, ack: 5, nak: 6, release: 7, inform: 8 } as const;

/** Option codes this server reads or writes. */
export const Opt = {
  pad: 0, overload: 52, messageType: 53, serverId: 54, paramList: 55, maxMessageSize: 57,
  vendorClass: 60, tftpServer: 66, bootFile: 67, userClass: 77, clientArch: 93, clientNdi: 94,
  machineId: 97, vendorSpecific: 43, end: 255,
} as const;

const magicCookie = 0x63825363;
const headerBytes = 236;
const fixedBytes = headerBytes + 4;

/** One DHCP message. Options are keyed by code, each the concatenation of all its instances. */
export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** All 16 bytes of chaddr. */
  chaddr: Buffer;
  /** The sname field as text, '' when it carried options (overload). */
  sname: string;
  /** The file field as text, '' when it carried options (overload). */
  file: string;
  options: Map<number, Buffer>;
}

/** Why a datagram is not a DHCP message. */
export class DhcpDecodeError extends Error {}

const ipAt = (b: Buffer, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** Parses a datagram strictly; throws DhcpDecodeError for anything malformed. */
export function decodePacket(buf: Buffer): DhcpPacket {
  if (buf.length < fixedBytes) throw new DhcpDecodeError(`too short: ${buf.length} bytes`);
  if (buf.readUInt32BE(headerBytes) !== magicCookie) throw new DhcpDecodeError('no DHCP magic cookie');
  const options = new Map<number, Buffer[]>();
  readOptions(buf, fixedBytes, buf.length, options, true);
  const overload = joined(options, Opt.overload);
  let overloadFile = false;
  let overloadSname = false;
  if (overload) {
    if (overload.length !== 1 || overload[0]! < 1 || overload[0]! > 3) throw new DhcpDecodeError('option 52 (overload) must be one byte 1, 2 or 3');
    overloadFile = (overload[0]! & 1) !== 0;
    overloadSname = (overload[0]! & 2) !== 0;
    // RFC 3396 §5: options, then file, then sname.
    if (overloadFile) readOptions(buf, 108, 236, options, false);
    if (overloadSname) readOptions(buf, 44, 108, options, false);
  }
  const out = new Map<number, Buffer>();
  for (const code of options.keys()) out.set(code, joined(options, code)!);
  return {
    op: buf[0]!, htype: buf[1]!, hlen: buf[2]!, hops: buf[3]!,
    xid: buf.readUInt32BE(4), secs: buf.readUInt16BE(8), flags: buf.readUInt16BE(10),
    ciaddr: ipAt(buf, 12), yiaddr: ipAt(buf, 16), siaddr: ipAt(buf, 20), giaddr: ipAt(buf, 24),
    chaddr: Buffer.from(buf.subarray(28, 44)),
    sname: overloadSname ? '' : cString(buf.subarray(44, 108)),
    file: overloadFile ? '' : cString(buf.subarray(108, 236)),
    options: out,
  };
}

function joined(options: Map<number, Buffer[]>, code: number): Buffer | undefined {
  const parts = options.get(code);
  return parts ? Buffer.concat(parts) : undefined;
}

// Reads code/length/value triples from buf[start, end) until END; a length
// running past `end` is malformed. A field without END must be filled exactly.
function readOptions(buf: Buffer, start: number, end: number, into: Map<number, Buffer[]>, main: boolean): void {
  let i = start;
  while (i < end) {
    const code = buf[i]!;
    if (code === Opt.pad) {
      i++;
      continue;
    }
    if (code === Opt.end) return;
    if (i + 1 >= end) throw new DhcpDecodeError(`option ${code} has no length byte`);
    const len = buf[i + 1]!;
    if (i + 2 + len > end) throw new DhcpDecodeError(`option ${code} (length ${len}) runs past the end of its field`);
    if (code === Opt.overload && !main) throw new DhcpDecodeError('option 52 (overload) inside an overloaded field');
    const list = into.get(code) ?? [];
    list.push(buf.subarray(i + 2, i + 2 + len));
    into.set(code, list);
    i += 2 + len;
  }
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('latin1');
}

/** What encodePacket needs; unset addresses are 0.0.0.0, unset fields zero. */
export interface DhcpPacketInput {
  op: number;
  xid: number;
  htype?: number;
  hlen?: number;
  hops?: number;
  secs?: number;
  flags?: number;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  chaddr: Buffer;
  sname?: string;
  file?: string;
  /** In order; a value over 255 bytes is split into several instances (RFC 3396). */
  options: Array<[number, Buffer]>;
}

/** Encoding limits: the whole message stays within maxSize (RFC 2131: 576 unless the client allows more), spilling options into file and sname (overload) when they do not fit. */
export interface EncodeLimits {
  maxSize?: number;
  /** Pad the message to at least this size (BOOTP clients expect 300). */
  minSize?: number;
}

/** Builds a datagram; throws if the options cannot fit. */
export function encodePacket(p: DhcpPacketInput, limits: EncodeLimits = {}): Buffer {
  const maxSize = Math.max(limits.maxSize ?? 576, 300);
  const tlvs = p.options.flatMap(([code, value]) => splitOption(code, value));
  const sname = Buffer.from(p.sname ?? '', 'latin1');
  const file = Buffer.from(p.file ?? '', 'latin1');
  if (sname.length > 63 || file.length > 127) throw new RangeError('sname or file too long');
  const mainRoom = maxSize - fixedBytes;
  const total = tlvs.reduce((n, t) => n + t.length, 0);
  let fields: { main: Buffer[]; file: Buffer[] | null; sname: Buffer[] | null };
  if (total + 1 <= mainRoom) fields = { main: tlvs, file: null, sname: null };
  else fields = spill(tlvs, mainRoom - 3, file.length === 0, sname.length === 0);
  const overload = (fields.file ? 1 : 0) | (fields.sname ? 2 : 0);
  const main = Buffer.concat([...(overload ? [Buffer.from([Opt.overload, 1, overload])] : []), ...fields.main, Buffer.from([Opt.end])]);
  const size = Math.max(fixedBytes + main.length, limits.minSize ?? 0);
  const buf = Buffer.alloc(size);
  buf[0] = p.op;
  buf[1] = p.htype ?? 1;
  buf[2] = p.hlen ?? 6;
  buf[3] = p.hops ?? 0;
  buf.writeUInt32BE(p.xid >>> 0, 4);
  buf.writeUInt16BE(p.secs ?? 0, 8);
  buf.writeUInt16BE(p.flags ?? 0, 10);
  [p.ciaddr, p.yiaddr, p.siaddr, p.giaddr].forEach((a, i) => writeIp(buf, 12 + 4 * i, a ?? '0.0.0.0'));
  p.chaddr.copy(buf, 28, 0, Math.min(16, p.chaddr.length));
  if (fields.sname) Buffer.concat([...fields.sname, Buffer.from([Opt.end])]).copy(buf, 44);
  else sname.copy(buf, 44);
  if (fields.file) Buffer.concat([...fields.file, Buffer.from([Opt.end])]).copy(buf, 108);
  else file.copy(buf, 108);
  buf.writeUInt32BE(magicCookie, headerBytes);
  main.copy(buf, fixedBytes);
  return buf;
}

// Places whole TLVs in the options field, then file (127 + END), then sname (63 + END).
function spill(tlvs: Buffer[], mainRoom: number, fileFree: boolean, snameFree: boolean): { main: Buffer[]; file: Buffer[] | null; sname: Buffer[] | null } {
  const areas = [{ room: mainRoom - 1, items: [] as Buffer[] }, { room: fileFree ? 127 : -1, items: [] as Buffer[] }, { room: snameFree ? 63 : -1, items: [] as Buffer[] }];
  let a = 0;
  for (const t of tlvs) {
    while (a < areas.length && areas[a]!.room < t.length) a++;
    const area = areas[a];
    if (!area) throw new RangeError('options do not fit in the message');
    area.items.push(t);
    area.room -= t.length;
  }
  return { main: areas[0]!.items, file: areas[1]!.items.length ? areas[1]!.items : null, sname: areas[2]!.items.length ? areas[2]!.items : null };
}

/** One option as code/length/value instances, split every 255 bytes (RFC 3396). */
export function splitOption(code: number, value: Buffer): Buffer[] {
  if (code === Opt.pad || code === Opt.end || code < 0 || code > 255) throw new RangeError(`option code ${code} cannot carry data`);
  const out: Buffer[] = [];
  for (let o = 0; o === 0 || o < value.length; o += 255) {
    const chunk = value.subarray(o, o + 255);
    out.push(Buffer.concat([Buffer.from([code, chunk.length]), chunk]));
  }
  return out;
}

function writeIp(buf: Buffer, at: number, ip: string): void {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new RangeError(`not an IPv4 address: ${ip}`);
  parts.forEach((n, i) => (buf[at + i] = n));
}

/** chaddr as a lowercase colon MAC, or null unless htype is Ethernet (1) with hlen 6. */
export function macOf(p: DhcpPacket): string | null {
  if (p.htype !== 1 || p.hlen !== 6) return null;
  return [...p.chaddr.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
