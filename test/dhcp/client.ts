// A PXE DHCP client for the tests and the benchmark: builds the DISCOVERs
// and 4011 REQUESTs real boards send (Pi 4 with option 97, BIOS PXE ROM,
// iPXE) with bootherd's codec, and summarises the answers it gets.
import dgram from 'node:dgram';
import { MsgType, Opt, decodePacket, encodePacket } from '../../src/dhcp/packet.js';

/** What a simulated client sends. */
export interface ClientHello {
  mac: string;
  xid: number;
  message?: number;
  vendorClass?: string;
  /** iPXE sends its user class as a bare string. */
  userClass?: string;
  arch?: number;
  machineId?: Buffer;
  broadcastFlag?: boolean;
  ciaddr?: string;
  serverId?: string;
}

/** The Pi bootloader's vendor class (Pi 3B+, 4, 5, CM4). */
export const piVendorClass = 'PXEClient:Arch:00000:UNDI:002001';

const macBytes = (mac: string) => Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));

/** Option 97 as a Pi 4/5 sends it: 00, FourCC, revision LE32, low 4 MAC bytes, serial LE32. */
export function piMachineId(fourcc: 'RPi4' | 'RPi5', revision: string, mac: string, serial: string): Buffer {
  const b = Buffer.alloc(17);
  b.write(fourcc, 1, 'latin1');
  b.writeUInt32LE(parseInt(revision, 16), 5);
  macBytes(mac).subarray(2).copy(b, 9);
  b.writeUInt32LE(parseInt(serial, 16), 13);
  return b;
}

/** A DISCOVER (or, with message 3, a REQUEST) shaped like a real PXE client's. */
export function helloPacket(h: ClientHello): Buffer {
  const options: Array<[number, Buffer]> = [[Opt.messageType, Buffer.from([h.message ?? MsgType.discover])]];
  if (h.serverId) options.push([Opt.serverId, Buffer.from(h.serverId.split('.').map(Number))]);
  options.push([Opt.maxMessageSize, Buffer.from([0x05, 0xc0])], [Opt.paramList, Buffer.from([1, 3, 43, 60, 66, 67, 128, 129, 130])]);
  options.push([Opt.clientArch, Buffer.from([(h.arch ?? 0) >> 8, (h.arch ?? 0) & 0xff])], [Opt.clientNdi, Buffer.from([1, 2, 1])]);
  if (h.machineId) options.push([Opt.machineId, h.machineId]);
  options.push([Opt.vendorClass, Buffer.from(h.vendorClass ?? piVendorClass)]);
  if (h.userClass) options.push([Opt.userClass, Buffer.from(h.userClass)]);
  return encodePacket({ op: 1, xid: h.xid, flags: h.broadcastFlag === false ? 0 : 0x8000, ciaddr: h.ciaddr, chaddr: macBytes(h.mac), options }, { minSize: 300 });
}

/** One answer as a client sees it. */
export interface SeenReply {
  from: string;
  type: number;
  xid: number;
  yiaddr: string;
  siaddr: string;
  file: string;
  serverId: string | null;
  vendorClass: string | null;
  /** Option 43 and 97, hex; option 66 as text. */
  opt43: string | null;
  opt66: string | null;
  opt97: string | null;
}

/** Decodes an answer; null when it is not a DHCP reply. */
export function summarise(buf: Buffer, from: string): SeenReply | null {
  try {
    const p = decodePacket(buf);
    if (p.op !== 2) return null;
    const o = p.options;
    return {
      from, type: o.get(Opt.messageType)?.[0] ?? 0, xid: p.xid, yiaddr: p.yiaddr, siaddr: p.siaddr, file: p.file,
      serverId: o.get(Opt.serverId)?.join('.') ?? null, vendorClass: o.get(Opt.vendorClass)?.toString('latin1') ?? null,
      opt43: o.get(Opt.vendorSpecific)?.toString('hex') ?? null, opt66: o.get(Opt.tftpServer)?.toString('latin1') ?? null, opt97: o.get(Opt.machineId)?.toString('hex') ?? null,
    };
  } catch {
    return null;
  }
}

/** Sends `packet` from `bind` to `to` and collects replies for the same xid for `waitMs`. */
export async function exchange(packet: Buffer, to: { address: string; port: number }, bind: { address: string; port: number }, waitMs: number): Promise<SeenReply[]> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const xid = packet.readUInt32BE(4);
  const seen: SeenReply[] = [];
  socket.on('message', (m, r) => {
    const s = summarise(m, r.address);
    if (s && s.xid === xid) seen.push(s);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(bind.port, bind.address, () => resolve());
  });
  socket.setBroadcast(true);
  socket.send(packet, to.port, to.address);
  await new Promise((r) => setTimeout(r, waitMs));
  socket.close();
  return seen;
}

/** A client socket on 127.0.0.1 that keeps every DHCP reply it hears (the proxy's replyAddress/clientPort point at it). */
export interface ReplyCatcher {
  replies: SeenReply[];
  port: number;
  send(port: number, buf: Buffer): Promise<void>;
  close(): void;
}

/** Binds a ReplyCatcher on a free loopback port. */
export async function startReplyCatcher(): Promise<ReplyCatcher> {
  const socket = dgram.createSocket('udp4');
  const replies: SeenReply[] = [];
  socket.on('message', (m, r) => {
    const s = summarise(m, r.address);
    if (s) replies.push(s);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    replies,
    port: socket.address().port,
    send: (port, buf) => new Promise<void>((r) => socket.send(buf, port, '127.0.0.1', () => r())),
    close: () => socket.close(),
  };
}
