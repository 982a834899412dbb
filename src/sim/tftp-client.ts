// The bootloader's TFTP client (RFC 1350, 2347-2349): one RRQ from a fresh
// port, lock-step ACKs, existence probes that end with ERROR 0 "Early
// terminate", the last packet resent after silence, duplicate ACKs, block
// numbers rolling over past 65535 (or not: a Pi 4 cannot), and a per-file
// timeout after which the file is given up (TFTP_FILE_TIMEOUT), never retried.
import { createHash } from 'node:crypto';
import type { SimClock } from './clock.js';
import { openUdp, type BoardNet, type BoardSocket, type Peer } from './net.js';

/** One file to fetch and how. */
export interface TftpFetch {
  server: Peer;
  path: string;
  /** RRQ options in order, e.g. [['tsize', '0'], ['blksize', '1024']]. */
  options: Array<[string, string]>;
  /** End after the OACK (or DATA 1 without one) with ERROR 0 "Early terminate". */
  probe?: boolean;
  /** Board time allowed for the whole file. */
  fileTimeoutMs: number;
  /** Board time of silence before the last packet is sent again. */
  retransmitMs: number;
  /** Whether block numbers may roll over to 0 after 65535. */
  rollover: boolean;
  /** Send the RRQ twice from the same port. */
  duplicateRrq?: boolean;
  /** Share of ACKs sent twice. */
  duplicateAckShare?: number;
  /** After a duplicate DATA, acknowledge the block after it (a Pi 4 quirk, raspberrypi/firmware#1631). */
  ackAheadOnDuplicate?: boolean;
  /** Stop answering once this share of the announced size has arrived (a board hanging mid-transfer). */
  stallAfterShare?: number;
  /** Keep the bytes (small files the board reads: config.txt, cmdline.txt). */
  keep?: boolean;
  /** Hash what arrives (sha256). */
  verify?: boolean;
}

/** How a fetch ended. */
export type TftpOutcome = 'complete' | 'probed' | 'not-found' | 'error' | 'timeout' | 'rollover' | 'stalled';

/** The result of one fetch. */
export interface TftpResult {
  path: string;
  outcome: TftpOutcome;
  bytes: number;
  /** The size the OACK announced, if any. */
  tsize: number | null;
  error: { code: number; message: string } | null;
  sha256: string | null;
  /** The bytes, when `keep` was asked. */
  data: Buffer | null;
  /** Packets resent on silence. */
  resent: number;
  /** DATA packets that were duplicates of ones already received. */
  duplicates: number;
}

/** Fetches one file; rejects only when the board is switched off. */
export async function tftpFetch(net: BoardNet, clock: SimClock, signal: AbortSignal, f: TftpFetch): Promise<TftpResult> {
  const res: TftpResult = { path: f.path, outcome: 'timeout', bytes: 0, tsize: null, error: null, sha256: null, data: null, resent: 0, duplicates: 0 };
  const hash = f.verify ? createHash('sha256') : null;
  const chunks: Buffer[] = [];
  let stallAt = Infinity;
  let settle!: (r: TftpResult) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<TftpResult>((resolve, reject) => ((settle = resolve), (fail = reject)));
  let server: Peer | null = null;
  let blksize = 512;
  let received = 0; // in-order blocks, absolute
  let last = rrq(f);
  let finished = false;
  let socket: BoardSocket | null = null;
  let resendTimer: NodeJS.Timeout | undefined;

  const finish = (outcome: TftpOutcome): void => {
    if (finished) return;
    finished = true;
    res.outcome = outcome;
    if (hash && outcome === 'complete') res.sha256 = hash.digest('hex');
    if (f.keep && outcome === 'complete') res.data = Buffer.concat(chunks);
    clearTimeout(resendTimer);
    clearTimeout(fileTimer);
    signal.removeEventListener('abort', onAbort);
    socket?.close();
    settle(res);
  };
  const onAbort = () => {
    finished = true;
    clearTimeout(resendTimer);
    clearTimeout(fileTimer);
    fail(signal.reason);
  };
  const send = (msg: Buffer): void => {
    last = msg;
    socket?.send(msg, server ?? f.server);
    armResend();
  };
  const armResend = (): void => {
    clearTimeout(resendTimer);
    resendTimer = setTimeout(() => {
      if (finished) return;
      res.resent++;
      send(last);
    }, clock.scaled(f.retransmitMs));
  };
  const ack = (block: number): void => {
    const msg = Buffer.from([0, 4, (block >> 8) & 0xff, block & 0xff]);
    send(msg);
    if (f.duplicateAckShare && net.rng() < f.duplicateAckShare) socket?.send(msg, server ?? f.server);
  };
  const terminate = (outcome: TftpOutcome): void => {
    socket?.send(errorPacket(0, 'Early terminate'), server ?? f.server);
    finish(outcome);
  };

  const onData = (wire: number, payload: Buffer): void => {
    if (wire !== ((received + 1) & 0xffff)) {
      res.duplicates++;
      return ack((f.ackAheadOnDuplicate ? received + 1 : received) & 0xffff);
    }
    if (received + 1 > 0xffff && !f.rollover) return finish('rollover');
    received++;
    res.bytes += payload.length;
    hash?.update(payload);
    if (f.keep) chunks.push(Buffer.from(payload));
    if (f.probe && received === 1) return terminate('probed');
    if (res.bytes >= stallAt) {
      clearTimeout(resendTimer);
      clearTimeout(fileTimer);
      finished = true;
      res.outcome = 'stalled';
      socket?.close();
      return settle(res);
    }
    ack(received & 0xffff);
    if (payload.length < blksize) finish('complete');
  };

  const onMessage = (msg: Buffer, from: Peer): void => {
    if (finished || msg.length < 4) return;
    if (!server) server = from;
    else if (from.port !== server.port || from.address !== server.address) return;
    const op = msg.readUInt16BE(0);
    if (op === 3) return onData(msg.readUInt16BE(2), msg.subarray(4));
    if (op === 5) {
      res.error = decodeError(msg);
      return finish(res.error.code === 1 ? 'not-found' : 'error');
    }
    if (op !== 6 || received > 0) return;
    const oack = parseOack(msg);
    res.tsize = oack.tsize !== undefined ? Number(oack.tsize) : null;
    blksize = Number(oack.blksize ?? 512);
    if (f.stallAfterShare !== undefined && res.tsize !== null) stallAt = Math.max(1, Math.floor(res.tsize * f.stallAfterShare));
    if (f.probe) return terminate('probed');
    ack(0);
  };

  const fileTimer = setTimeout(() => finish('timeout'), clock.scaled(f.fileTimeoutMs));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    socket = await openUdp(net, signal, onMessage);
  } catch (err) {
    onAbort();
    throw err;
  }
  if (finished) socket.close();
  else {
    send(last);
    if (f.duplicateRrq) socket.send(last, f.server);
  }
  return done;
}

function rrq(f: TftpFetch): Buffer {
  const opts = f.options.map(([k, v]) => `${k}\0${v}\0`).join('');
  return Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${f.path}\0octet\0${opts}`, 'latin1')]);
}

function parseOack(msg: Buffer): Record<string, string> {
  const parts = msg.toString('latin1', 2).split('\0');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) out[(parts[i] ?? '').toLowerCase()] = parts[i + 1] ?? '';
  return out;
}

/** An ERROR datagram. */
export function errorPacket(code: number, message: string): Buffer {
  return Buffer.concat([Buffer.from([0, 5, code >> 8, code & 0xff]), Buffer.from(message + '\0', 'latin1')]);
}

function decodeError(msg: Buffer): { code: number; message: string } {
  const end = msg.indexOf(0, 4);
  return { code: msg.readUInt16BE(2), message: msg.toString('latin1', 4, end < 0 ? msg.length : end) };
}
