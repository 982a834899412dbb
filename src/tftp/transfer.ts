// One read transfer on its own UDP socket (its own TID, RFC 1350 §4): OACK
// handshake, windowed sending (RFC 7440; windowsize 1 is RFC 1350 lock-step),
// retransmission paced by the transfer's measured round trips (rtt.ts), and
// the end of the transfer.
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { Negotiated } from './options.js';
import { createBlockSource } from './blocks.js';
import { ErrCode, Op, errorPacket, oackPacket } from './packet.js';
import { createRetransmitTimer } from './retransmit-timer.js';
import { createRttEstimator } from './rtt.js';
import type { TftpFile, TransferOutcome } from './types.js';

/** When to retransmit and when to give up. */
export interface RetryPolicy {
  rtoMaxMs: number;
  /** Timeouts in a row before giving up on a client that has acknowledged nothing yet. */
  maxRetries: number;
  /** Time without progress before giving up on a client that has. */
  idleTimeoutMs: number;
}

/** Everything a transfer needs; the socket is bound and connected to the client. */
export interface TransferParams {
  socket: Socket;
  file: TftpFile;
  negotiated: Negotiated;
  retry: RetryPolicy;
  /** The client's side of retransmission: its RTO floor, and what its acknowledgements say. */
  pacing: Pacing;
  logger: Logger;
  onEnd: (outcome: TransferOutcome, bytes: number) => void;
}

/** Per-client pacing of retransmissions (see RtoFloors) and their accounting. */
export interface Pacing {
  floorMs(): number;
  retransmitted(): void;
  /** A retransmission turned out needless (the client acknowledged it twice) or needed. */
  settled(spurious: boolean): void;
}

/** A live transfer; abort() ends it as 'error' (server stop). */
export interface Transfer {
  abort(reason: string): void;
}

/** Starts a transfer: sends the OACK, or DATA 1 when no option was acknowledged. */
export function startTransfer(p: TransferParams): Transfer {
  const { socket, file, negotiated: neg, logger, retry } = p;
  const size = file.size;
  const blksize = neg.blksize;
  // A size that is an exact multiple of blksize ends with an empty block (RFC 1350 §6).
  const lastBlock = Math.floor(size / blksize) + 1;
  // A timeout the client asked for (RFC 2349) is where the adaptive one starts and the most it grows to.
  const rtoMax = neg.timeoutFromClient ? Math.min(retry.rtoMaxMs, neg.timeoutMs) : retry.rtoMaxMs;
  // The client's floor is read when it can matter or change: at the start, at
  // each retransmission, and when this transfer has learnt from one.
  const floor = (): number => Math.min(p.pacing.floorMs(), rtoMax);
  const rtt = createRttEstimator({ initialMs: neg.timeoutMs, minMs: floor(), maxMs: rtoMax });
  const refloor = (): void => rtt.setFloor(floor());
  let phase: 'oack' | 'data' | 'done' = neg.oack ? 'oack' : 'data';
  let acked = 0; // highest block (absolute, 1-based) the client acknowledged
  let sent = 0; // highest block sent in the current pass
  let maxSent = 0; // highest block ever sent: ACKs above it are bogus
  let retries = 0; // timeouts since the last progress
  let heard = false; // the client acknowledged something: it is really there
  // Karn's rule: only a packet sent once is timed (block number, 0 = OACK, -1 = none).
  let timed = -1;
  // The times (performance.now()) of the last progress and of the timed packet's send:
  // fields of one object, which V8 updates in place on every ACK.
  const at = { progress: performance.now(), timed: 0 };
  // What the last retransmission resent (OACK = 0): a second ACK for it means the client had it.
  let resent: { from: number; to: number } | null = null;
  const timer = createRetransmitTimer(() => retransmit());
  const blocks = createBlockSource(file, blksize, neg.windowsize);
  let loading = false;

  const finish = (outcome: TransferOutcome, reply?: Buffer): void => {
    if (phase === 'done') return;
    phase = 'done';
    timer.stop();
    socket.removeAllListeners('message');
    // Close once the last reply has left; errors past this point are moot.
    if (!reply || !sendRaw(reply, closeSocket)) closeSocket();
    closeReader();
    p.onEnd(outcome, Math.min(acked * blksize, size));
  };

  const closeSocket = (): void => {
    try {
      socket.close();
    } catch {
      /* already closed */
    }
  };

  const closeReader = (): void => {
    void Promise.resolve().then(() => blocks.close()).catch((err: unknown) => logger.warn('tftp: reader close failed', { err }));
  };

  // Returns false when the socket is already closed.
  const sendRaw = (buf: Buffer | Buffer[], cb?: () => void): boolean => {
    try {
      if (cb) socket.send(buf, cb);
      else socket.send(buf);
      return true;
    } catch {
      return false;
    }
  };

  const fail = (msg: string, err: unknown): void => {
    logger.error(`tftp: ${msg}`, { err });
    finish('error', errorPacket(ErrCode.notDefined, 'server error'));
  };

  const sendOack = (): void => {
    sendRaw(oackPacket(neg.oack ?? []));
  };

  // Sends blocks up to the end of the window. When a block's chunk is not
  // loaded yet, loads it and continues; a rewind meanwhile (`sent` moved
  // back) is honoured because sending resumes from `sent + 1`. `now` times
  // the first new block (the caller's clock, read once per ACK).
  const pump = (now = performance.now()): void => {
    while (!loading && phase === 'data' && sent < Math.min(acked + neg.windowsize, lastBlock)) {
      const block = sent + 1;
      const pkt = blocks.packet(block);
      if (!pkt) return load(block);
      socket.send(pkt);
      sent = block;
      if (block > maxSent) {
        maxSent = block;
        timed = block;
        at.timed = now;
      } else if (block <= timed) timed = -1;
    }
  };

  const load = (block: number): void => {
    loading = true;
    blocks.load(block).then(
      () => {
        loading = false;
        if (phase === 'done') closeReader();
        else pump();
      },
      (err: unknown) => {
        loading = false;
        if (phase !== 'done') fail('read failed', err);
      },
    );
  };

  const retransmit = (): void => {
    const now = performance.now();
    retries++;
    if (heard ? now - at.progress >= retry.idleTimeoutMs : retries > retry.maxRetries) return finish('timeout', errorPacket(ErrCode.notDefined, 'timeout'));
    refloor();
    rtt.backoff();
    timed = -1;
    p.pacing.retransmitted();
    if (phase === 'oack') {
      resent = { from: 0, to: 0 };
      sendOack();
    } else {
      resent = { from: acked + 1, to: Math.min(acked + neg.windowsize, lastBlock) };
      sent = acked;
      pump(now);
    }
    timer.restart(now, rtt.rto());
  };

  const progress = (now: number): void => {
    heard = true;
    retries = 0;
    at.progress = now;
    if (resent && acked > resent.to) {
      p.pacing.settled(false);
      refloor();
      resent = null;
    }
    timer.restart(now, rtt.rto());
  };

  const onAck = (wire: number): void => {
    const now = performance.now();
    if (phase === 'oack') {
      if (wire !== 0) return;
      if (timed === 0) rtt.sample(now - at.timed);
      phase = 'data';
      progress(now);
      pump(now);
      return;
    }
    // Map the 16-bit block number (it rolls over to 0 after 65535) to the
    // smallest absolute block >= acked with the same low 16 bits.
    const block = acked + ((wire - acked) & 0xffff);
    // A duplicate ACK of an already-acked block sends nothing: only the timer
    // retransmits (no Sorcerer's Apprentice, RFC 1123 §4.2.3.1). After a
    // retransmission it tells that the client had the packet already.
    if (block === acked) {
      if (resent && acked >= resent.from && acked <= resent.to) {
        p.pacing.settled(true);
        refloor();
        resent = null;
      }
      return;
    }
    // An ACK of a block never sent is ignored.
    if (block > maxSent) return;
    if (block === timed) rtt.sample(now - at.timed);
    acked = block;
    progress(now);
    if (acked === lastBlock) return finish('complete');
    // RFC 7440: an ACK below the last block sent means the rest of the window
    // was lost; resume right after it.
    sent = block;
    pump(now);
  };

  socket.on('message', (msg: Buffer) => {
    if (msg.length < 4) return;
    const op = msg.readUInt16BE(0);
    if (op === Op.ACK) onAck(msg.readUInt16BE(2));
    // Any ERROR from the client ends the transfer quietly: the Pi's
    // "Early terminate" existence probe is the common case.
    else if (op === Op.ERROR) finish('early-terminate');
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    // The client's port is closed (ICMP port unreachable on a resend): it has
    // stopped, as a probe that sent its ERROR and closed before a resend
    // reached it. That ends the transfer as the ERROR would have.
    if (err.code === 'ECONNREFUSED') return finish('early-terminate');
    logger.warn('tftp: transfer socket error', { err });
    finish('error');
  });

  if (phase === 'oack') {
    sendOack();
    timed = 0;
    at.timed = performance.now();
  } else pump();
  timer.restart(performance.now(), rtt.rto());
  return { abort: (reason) => finish('error', errorPacket(ErrCode.notDefined, reason)) };
}
