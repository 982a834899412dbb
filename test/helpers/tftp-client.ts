// A Pi-like UDP TFTP client for tests and benchmarks: RRQ with chosen options,
// existence probes ("Early terminate"), duplicate ACKs and RRQs, a withheld ACK,
// the bootloader's resend and per-file timers (piClient), and counters of
// what the server sent.
import dgram from 'node:dgram';

/** What to fetch and how to misbehave. */
export interface TftpGetOptions {
  host: string;
  port: number;
  path: string;
  /** Transfer mode, default 'octet'. */
  mode?: string;
  /** RRQ options in order, e.g. { tsize: '0', blksize: '1024' } like a Pi 4. */
  options?: Record<string, string>;
  /** Send ERROR 0 "Early terminate" after the OACK or after DATA 1, like a Pi probe. */
  earlyTerminate?: 'oack' | 'block1';
  /** Extra copies of every ACK. */
  duplicateAcks?: number;
  /** Withhold the first ACK of this block (0 = the OACK's ACK) and wait for the retransmit. */
  dropAck?: number;
  /** Extra copies of the RRQ, sent right after it. */
  duplicateRrq?: number;
  /** Keep the payload in result.data (default true); false only counts bytes. */
  keepData?: boolean;
  /** Called with each in-order payload and its file offset. */
  onData?: (payload: Buffer, offset: number) => void;
  /** Re-send the last packet after this long without an answer, as a Pi does (default: never). */
  resendMs?: number;
  /** Give up after this long without any packet (default 10 s). */
  timeoutMs?: number;
  /** Give up the file this long after the RRQ, however it is going (default: never). */
  fileTimeoutMs?: number;
  /** Local address to send from (default 127.0.0.1). */
  localAddress?: string;
}

/** Counters of one transfer, as seen by the client. */
export interface TftpClientStats {
  dataPackets: number;
  duplicateData: number;
  oackPackets: number;
  acksSent: number;
  /** Packets sent again by resendMs after silence. */
  resends: number;
}

/** Outcome of tftpGet. */
export interface TftpGetResult {
  data: Buffer;
  bytes: number;
  oack: Record<string, string> | null;
  /** The ERROR the server sent, if any. */
  error: { code: number; message: string } | null;
  /** The server's transfer ID (address and port of its first answer). */
  server: { address: string; port: number } | null;
  stats: TftpClientStats;
  /** Packets the server sent again (duplicate DATA or OACK). */
  retransmitsSeen: number;
}

/** Fetches one file; rejects only on a local timeout. */
export function tftpGet(o: TftpGetOptions): Promise<TftpGetResult> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', lookup: literalLookup });
    const keep = o.keepData ?? true;
    const chunks: Buffer[] = [];
    const stats: TftpClientStats = { dataPackets: 0, duplicateData: 0, oackPackets: 0, acksSent: 0, resends: 0 };
    const res: TftpGetResult = { data: Buffer.alloc(0), bytes: 0, oack: null, error: null, server: null, stats, retransmitsSeen: 0 };
    let blksize = 512;
    let windowsize = 1;
    let received = 0; // in-order blocks received (absolute)
    let lastAck = 0; // highest block acknowledged (absolute)
    let dropPending = o.dropAck !== undefined;
    let last: Buffer = rrq(o);
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let resend: NodeJS.Timeout | undefined;
    let fileTimer: NodeJS.Timeout | undefined;

    let inflight = 0; // sends not yet handed to the kernel: closing would drop them
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(resend);
      clearTimeout(fileTimer);
      if (inflight === 0) socket.close();
      if (err) return reject(err);
      res.data = keep ? Buffer.concat(chunks) : Buffer.alloc(0);
      resolve(res);
    };
    const sent = (): void => {
      if (--inflight === 0 && done) socket.close();
    };
    const send = (buf: Buffer): void => {
      last = buf;
      const to = res.server ?? { address: o.host, port: o.port };
      inflight++;
      socket.send(buf, to.port, to.address, sent);
    };
    // Acknowledges absolute block `block`; on the wire it rolls over after 65535.
    const ack = (block: number): void => {
      if (dropPending && block === o.dropAck) {
        dropPending = false;
        return;
      }
      const buf = Buffer.from([0, 4, (block >> 8) & 0xff, block & 0xff]);
      for (let i = 0; i <= (o.duplicateAcks ?? 0); i++) send(buf);
      stats.acksSent += 1 + (o.duplicateAcks ?? 0);
      lastAck = block;
    };
    const terminate = (): void => {
      send(errorDatagram(0, 'Early terminate'));
      finish();
    };
    const arm = (): void => {
      if (timer) timer.refresh();
      else timer = setTimeout(() => finish(new Error(`tftp client: no answer for ${o.path}`)), o.timeoutMs ?? 10_000);
      if (o.resendMs === undefined) return;
      if (resend) resend.refresh();
      else resend = setTimeout(function again() {
        stats.resends++;
        send(last);
        resend = setTimeout(again, o.resendMs);
      }, o.resendMs);
    };

    const onData = (wire: number, payload: Buffer): void => {
      stats.dataPackets++;
      if (wire !== ((received + 1) & 0xffff)) {
        // Out of order: a retransmit of something we have, or a gap in a
        // window; either way acknowledge what we have (RFC 7440).
        if (isBehind(wire, received)) {
          stats.duplicateData++;
          res.retransmitsSeen++;
        }
        return ack(received);
      }
      received++;
      const offset = res.bytes;
      res.bytes += payload.length;
      if (keep) chunks.push(payload);
      o.onData?.(payload, offset);
      if (o.earlyTerminate === 'block1' && received === 1) return terminate();
      const isLast = payload.length < blksize;
      if (isLast || received - lastAck >= windowsize) ack(received);
      if (isLast) finish();
    };

    socket.on('message', (msg, rinfo) => {
      if (done || msg.length < 4) return;
      if (!res.server) res.server = { address: rinfo.address, port: rinfo.port };
      else if (rinfo.port !== res.server.port || rinfo.address !== res.server.address) return;
      arm();
      const op = msg.readUInt16BE(0);
      if (op === 3) return onData(msg.readUInt16BE(2), msg.subarray(4));
      if (op === 5) {
        res.error = decodeError(msg);
        return finish();
      }
      if (op !== 6) return;
      stats.oackPackets++;
      if (res.oack) res.retransmitsSeen++;
      res.oack = parseOack(msg);
      blksize = Number(res.oack.blksize ?? 512);
      windowsize = Number(res.oack.windowsize ?? 1);
      if (o.earlyTerminate === 'oack') return terminate();
      ack(0);
    });
    socket.on('error', (err) => finish(err));
    socket.bind(0, o.localAddress ?? '127.0.0.1', () => {
      arm();
      if (o.fileTimeoutMs !== undefined) fileTimer = setTimeout(() => finish(new Error(`tftp client: gave up ${o.path} after ${o.fileTimeoutMs} ms`)), o.fileTimeoutMs);
      for (let i = 0; i <= (o.duplicateRrq ?? 0); i++) send(last);
    });
  });
}

/**
 * A Raspberry Pi 4 bootloader fetching a file: tsize 0 and blksize 1024, no
 * windowsize (lock-step), its last packet resent after 1 s of silence, the
 * file given up 30 s after its RRQ (TFTP_FILE_TIMEOUT, shared/PI-NETBOOT.md).
 */
export const piClient = { options: { tsize: '0', blksize: '1024' }, resendMs: 1000, timeoutMs: 30_000, fileTimeoutMs: 30_000 } satisfies Partial<TftpGetOptions>;

// Addresses here are IP literals: skip dns.lookup, which defers every send to
// the next tick.
function literalLookup(address: string, _family: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  cb(null, address, 4);
}

// Sequence arithmetic modulo 65536: is `wire` at or before `received`?
function isBehind(wire: number, received: number): boolean {
  return ((received - wire) & 0xffff) < 0x8000;
}

function rrq(o: TftpGetOptions): Buffer {
  const opts = Object.entries(o.options ?? {}).map(([k, v]) => `${k}\0${v}\0`).join('');
  return Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${o.path}\0${o.mode ?? 'octet'}\0${opts}`, 'utf8')]);
}

function parseOack(msg: Buffer): Record<string, string> {
  const parts = msg.toString('utf8', 2).split('\0');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) out[(parts[i] ?? '').toLowerCase()] = parts[i + 1] ?? '';
  return out;
}

/** Builds an ERROR datagram, e.g. the Pi's ERROR 0 "Early terminate". */
export function errorDatagram(code: number, message: string): Buffer {
  return Buffer.concat([Buffer.from([0, 5, code >> 8, code & 0xff]), Buffer.from(message + '\0', 'utf8')]);
}

/** Sends one raw datagram and collects what comes back (from any port) for waitMs, or until the first reply if firstOnly. */
export function exchange(host: string, port: number, datagram: Buffer, opts: { waitMs?: number; firstOnly?: boolean } = {}): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const replies: Buffer[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      socket.close();
      resolve(replies);
    };
    const timer = setTimeout(finish, opts.waitMs ?? 2000);
    socket.on('message', (msg) => {
      replies.push(msg);
      if (opts.firstOnly) finish();
    });
    socket.on('error', reject);
    socket.bind(0, '127.0.0.1', () => socket.send(datagram, port, host));
  });
}

/** Decodes an ERROR datagram, or null for any other packet. */
export function decodeError(msg: Buffer | undefined): { code: number; message: string } | null {
  if (!msg || msg.length < 4 || msg.readUInt16BE(0) !== 5) return null;
  const end = msg.indexOf(0, 4);
  return { code: msg.readUInt16BE(2), message: msg.toString('utf8', 4, end < 0 ? msg.length : end) };
}
