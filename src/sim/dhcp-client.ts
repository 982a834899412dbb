// The boards' DHCP side (RFC 2131 framing, written here independently of
// bootherd's codec): the DISCOVERs a Pi 4/5 bootloader, a PC's PXE ROM and
// iPXE send, and the reading of an answer. Offers come back to the limited
// broadcast address; on loopback a shared segment socket stands in for the
// broadcast domain and hands each offer to the board waiting for its xid.
import dgram from 'node:dgram';
import type { Peer } from './net.js';

/** What a simulated client puts in its DISCOVER. */
export interface DhcpHello {
  mac: string;
  xid: number;
  /** Option 93: 0 BIOS/Pi, 7 UEFI x64. */
  arch: number;
  /** Option 97 as sent, type byte first. */
  machineId?: Buffer;
  /** Option 77 (iPXE sends its user class as a bare string). */
  userClass?: string;
  secs?: number;
}

/** The Pi bootloader's and PXE ROMs' vendor class. */
export const pxeVendorClass = 'PXEClient:Arch:00000:UNDI:002001';

const macBytes = (mac: string) => Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));

/** Option 97 of a Pi 4/5 (shared/PI-NETBOOT.md): 00, FourCC, revision LE32, low 4 MAC bytes, serial LE32. */
export function piOption97(fourcc: 'RPi4' | 'RPi5', revision: string, mac: string, serial: string): Buffer {
  const b = Buffer.alloc(17);
  b.write(fourcc, 1, 'latin1');
  b.writeUInt32LE(parseInt(revision, 16) >>> 0, 5);
  macBytes(mac).subarray(2).copy(b, 9);
  b.writeUInt32LE(parseInt(serial, 16) >>> 0, 13);
  return b;
}

/** Option 97 of a PC (RFC 4578): 00 and the 16-byte SMBIOS UUID. */
export function guidOption97(uuid: string): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.from(uuid.replace(/-/g, ''), 'hex')]);
}

/** Encodes a DHCPDISCOVER as the given client sends it. */
export function encodeDiscover(h: DhcpHello): Buffer {
  const head = Buffer.alloc(240);
  head[0] = 1; // BOOTREQUEST
  head[1] = 1;
  head[2] = 6;
  head.writeUInt32BE(h.xid >>> 0, 4);
  head.writeUInt16BE(h.secs ?? 0, 8);
  head.writeUInt16BE(0x8000, 10); // broadcast flag: no address yet
  macBytes(h.mac).copy(head, 28);
  head.writeUInt32BE(0x63825363, 236);
  const opt = (code: number, value: Buffer) => Buffer.concat([Buffer.from([code, value.length]), value]);
  const options = [
    opt(53, Buffer.from([1])),
    opt(57, Buffer.from([0x05, 0xc0])),
    opt(55, Buffer.from([1, 3, 43, 60, 66, 67, 128, 129, 130])),
    opt(93, Buffer.from([h.arch >> 8, h.arch & 0xff])),
    opt(94, Buffer.from([1, 2, 1])),
    ...(h.machineId ? [opt(97, h.machineId)] : []),
    opt(60, Buffer.from(pxeVendorClass, 'latin1')),
    ...(h.userClass ? [opt(77, Buffer.from(h.userClass, 'latin1'))] : []),
    Buffer.from([255]),
  ];
  const msg = Buffer.concat([head, ...options]);
  return msg.length >= 300 ? msg : Buffer.concat([msg, Buffer.alloc(300 - msg.length)]);
}

/** An answer as a client reads it. */
export interface DhcpOffer {
  xid: number;
  type: number;
  siaddr: string;
  file: string;
  /** Option 66 as text. */
  tftpServer: string | null;
  /** Option 43, raw. */
  vendor: Buffer | null;
}

/** Reads an answer; null for anything that is not a well-formed BOOTREPLY. */
export function decodeOffer(msg: Buffer): DhcpOffer | null {
  if (msg.length < 240 || msg[0] !== 2 || msg.readUInt32BE(236) !== 0x63825363) return null;
  const opts = new Map<number, Buffer>();
  for (let i = 240; i < msg.length; ) {
    const code = msg[i]!;
    if (code === 0) {
      i++;
      continue;
    }
    if (code === 255 || i + 1 >= msg.length) break;
    const len = msg[i + 1]!;
    if (i + 2 + len > msg.length) return null;
    opts.set(code, Buffer.concat([opts.get(code) ?? Buffer.alloc(0), msg.subarray(i + 2, i + 2 + len)]));
    i += 2 + len;
  }
  const file = msg.subarray(108, 236);
  const nul = file.indexOf(0);
  return {
    xid: msg.readUInt32BE(4),
    type: opts.get(53)?.[0] ?? 0,
    siaddr: [...msg.subarray(20, 24)].join('.'),
    file: file.subarray(0, nul < 0 ? file.length : nul).toString('latin1'),
    tftpServer: opts.get(66)?.toString('latin1') ?? null,
    vendor: opts.get(43) ?? null,
  };
}

/** True when option 43 says "Raspberry Pi Boot", the only offer a Pi accepts. */
export function isPiBootOffer(o: DhcpOffer): boolean {
  return o.type === 2 && o.vendor !== null && o.vendor.includes('Raspberry Pi Boot');
}

/** The broadcast domain on loopback: one socket receiving every offer, handing it to the board waiting for its xid. */
export interface DhcpSegment {
  /** Where offers must be sent (the proxy's clientPort and replyAddress). */
  readonly address: Peer;
  listen(xid: number, onOffer: (msg: Buffer) => void): () => void;
  close(): Promise<void>;
}

/** Binds the segment socket on `address` (port 0: any free port). */
export async function createDhcpSegment(address = '127.0.0.1'): Promise<DhcpSegment> {
  const socket = dgram.createSocket('udp4');
  const waiting = new Map<number, (msg: Buffer) => void>();
  socket.on('message', (msg) => {
    if (msg.length >= 8) waiting.get(msg.readUInt32BE(4))?.(msg);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  socket.on('error', () => undefined);
  return {
    address: { address, port: socket.address().port },
    listen(xid, onOffer) {
      waiting.set(xid, onOffer);
      return () => {
        if (waiting.get(xid) === onOffer) waiting.delete(xid);
      };
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
