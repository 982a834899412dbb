// TFTP wire format (RFC 1350, options RFC 2347): parsing and building packets.

/** Opcodes (RFC 1350 §5, OACK from RFC 2347). */
export const Op = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** Error codes (RFC 1350 appendix, 8 from RFC 2347). */
export const ErrCode = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTid: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionRefused: 8,
} as const;

/** A parsed RRQ or WRQ. */
export interface RequestPacket {
  op: typeof Op.RRQ | typeof Op.WRQ;
  filename: string;
  mode: string;
  /** Option names lowercased; first occurrence wins. */
  options: Record<string, string>;
}

/** Any packet a server may receive, or null when the datagram is malformed. */
export type Packet =
  | RequestPacket
  | { op: typeof Op.ACK; block: number }
  | { op: typeof Op.ERROR; code: number; message: string }
  | { op: typeof Op.DATA | typeof Op.OACK; raw: Buffer };

/** Parses a datagram; null for anything malformed or with an unknown opcode. */
export function parsePacket(buf: Buffer): Packet | null {
  if (buf.length < 2) return null;
  const op = buf.readUInt16BE(0);
  switch (op) {
    case Op.RRQ:
    case Op.WRQ:
      return parseRequest(op, buf);
    case Op.ACK:
      return buf.length >= 4 ? { op, block: buf.readUInt16BE(2) } : null;
    case Op.ERROR:
      if (buf.length < 4) return null;
      return { op, code: buf.readUInt16BE(2), message: cString(buf, 4) };
    case Op.DATA:
    case Op.OACK:
      return { op, raw: buf };
    default:
      return null;
  }
}

/** Opcode of a datagram, or -1 when it is shorter than two bytes. */
export function opcodeOf(buf: Buffer): number {
  return buf.length >= 2 ? buf.readUInt16BE(0) : -1;
}

function parseRequest(op: typeof Op.RRQ | typeof Op.WRQ, buf: Buffer): RequestPacket | null {
  // Every field is NUL-terminated, so a well-formed request ends with 0.
  if (buf[buf.length - 1] !== 0) return null;
  const fields = buf.subarray(2, buf.length - 1).toString('utf8').split('\0');
  const [filename, mode, ...rest] = fields;
  if (filename === undefined || mode === undefined) return null;
  const options: Record<string, string> = {};
  // A dangling option name without a value is ignored (RFC 2347 is silent).
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const name = (rest[i] ?? '').toLowerCase();
    if (name !== '' && !Object.hasOwn(options, name)) options[name] = rest[i + 1] ?? '';
  }
  return { op, filename, mode: mode.toLowerCase(), options };
}

function cString(buf: Buffer, start: number): string {
  const end = buf.indexOf(0, start);
  return buf.subarray(start, end < 0 ? buf.length : end).toString('utf8');
}

/** Builds an ERROR packet. */
export function errorPacket(code: number, message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  const buf = Buffer.alloc(5 + msg.length);
  buf.writeUInt16BE(Op.ERROR, 0);
  buf.writeUInt16BE(code, 2);
  msg.copy(buf, 4);
  return buf;
}

/** Builds an OACK packet from name/value pairs, in order. */
export function oackPacket(options: Array<[string, string]>): Buffer {
  const parts = [Buffer.from([0, Op.OACK])];
  for (const [name, value] of options) parts.push(Buffer.from(`${name}\0${value}\0`, 'utf8'));
  return Buffer.concat(parts);
}

/** Builds the 4-byte header of a DATA packet; block is taken modulo 65536 (rollover). */
export function dataHeader(block: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf.writeUInt16BE(Op.DATA, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  return buf;
}

/** Bytes that cutDataPackets needs for `size` bytes of payload. */
export function cutBytes(size: number, blksize: number): number {
  return size + 4 * Math.ceil(size / blksize);
}

/**
 * DATA packets for `data`, whose first byte starts block `firstBlock`, laid
 * end to end `blksize + 4` bytes apart: a send is one subarray, header and
 * payload together. (An empty last block is not included.)
 */
export function cutDataPackets(data: Buffer, firstBlock: number, blksize: number): Buffer {
  const stride = blksize + 4;
  const n = Math.ceil(data.length / blksize);
  const buf = Buffer.allocUnsafe(cutBytes(data.length, blksize));
  for (let i = 0; i < n; i++) {
    buf.writeUInt16BE(Op.DATA, i * stride);
    buf.writeUInt16BE((firstBlock + i) & 0xffff, i * stride + 2);
    data.copy(buf, i * stride + 4, i * blksize, Math.min((i + 1) * blksize, data.length));
  }
  return buf;
}

/** Builds an ACK packet (clients). */
export function ackPacket(block: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf.writeUInt16BE(Op.ACK, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  return buf;
}

/** Builds an RRQ or WRQ (clients and tests). */
export function requestPacket(op: number, filename: string, mode: string, options: Record<string, string> = {}): Buffer {
  const opts = Object.entries(options).map(([k, v]) => `${k}\0${v}\0`).join('');
  return Buffer.concat([Buffer.from([0, op]), Buffer.from(`${filename}\0${mode}\0${opts}`, 'utf8')]);
}
