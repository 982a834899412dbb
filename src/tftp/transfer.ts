// One read transfer on its own UDP socket (its own TID, RFC 1350 §4): OACK
// handshake, windowed sending (RFC 7440; windowsize 1 is RFC 1350 lock-step),
// retransmission with backoff, and the end of the transfer.
import type { Socket } from 'node:dgram';
import type { Logger } from '../log.js';
import type { Negotiated } from './options.js';
import { createBlockSource } from './blocks.js';
import { ErrCode, Op, errorPacket, oackPacket } from './packet.js';
import type { TftpFile, TransferOutcome } from './types.js';

/** Everything a transfer needs; the socket is bound and connected to the client. */
export interface TransferParams {
  socket: Socket;
  file: TftpFile;
  negotiated: Negotiated;
  maxRetries: number;
  logger: Logger;
  onEnd: (outcome: TransferOutcome, bytes: number) => void;
}

/** A live transfer; abort() ends it as 'error' (server stop). */
export interface Transfer {
  abort(reason: string): void;
}

/** Retransmit delays double per retry up to this multiple of the base timeout. */
const maxBackoff = 8;

/** Starts a transfer: sends the OACK, or DATA 1 when no option was acknowledged. */
export function startTransfer(p: TransferParams): Transfer {
  const { socket, file, negotiated: neg, logger } = p;
  const size = file.size;
  const blksize = neg.blksize;
  // A size that is an exact multiple of blksize ends with an empty block (RFC 1350 §6).
  const lastBlock = Math.floor(size / blksize) + 1;
  let phase: 'oack' | 'data' | 'done' = neg.oack ? 'oack' : 'data';
  let acked = 0; // highest block (absolute, 1-based) the client acknowledged
  let sent = 0; // highest block sent in the current pass
  let maxSent = 0; // highest block ever sent: ACKs above it are bogus
  let retries = 0;
  let lastActivity = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const blocks = createBlockSource(file, blksize, neg.windowsize);
  let loading = false;

  const finish = (outcome: TransferOutcome, reply?: Buffer): void => {
    if (phase === 'done') return;
    phase = 'done';
    clearTimeout(timer);
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

  // Sends blocks up to the end of the window. When a block's chunk is not
  // loaded yet, loads it and continues; a rewind meanwhile (`sent` moved
  // back) is honoured because sending resumes from `sent + 1`.
  const pump = (): void => {
    while (!loading && phase === 'data' && sent < Math.min(acked + neg.windowsize, lastBlock)) {
      const block = sent + 1;
      const pkt = blocks.packet(block);
      if (!pkt) return load(block);
      socket.send(pkt);
      sent = block;
      if (block > maxSent) maxSent = block;
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

  const onAck = (wire: number): void => {
    if (phase === 'oack') {
      if (wire !== 0) return;
      phase = 'data';
      progress();
      pump();
      return;
    }
    // Map the 16-bit block number (it rolls over to 0 after 65535) to the
    // smallest absolute block >= acked with the same low 16 bits.
    const block = acked + ((wire - acked) & 0xffff);
    // A duplicate ACK of an already-acked block does nothing: only the timer
    // retransmits (no Sorcerer's Apprentice, RFC 1123 §4.2.3.1). An ACK of a
    // block never sent is ignored too.
    if (block === acked || block > maxSent) return;
    acked = block;
    progress();
    if (acked === lastBlock) return finish('complete');
    // RFC 7440: an ACK below the last block sent means the rest of the window
    // was lost; resume right after it.
    sent = block;
    pump();
  };

  const progress = (): void => {
    retries = 0;
    lastActivity = Date.now();
  };

  const delay = (): number => neg.timeoutMs * Math.min(2 ** retries, maxBackoff);

  const onTimer = (): void => {
    if (phase === 'done') return;
    const due = lastActivity + delay();
    const now = Date.now();
    if (now < due) {
      timer = setTimeout(onTimer, due - now);
      return;
    }
    retries++;
    if (retries > p.maxRetries) return finish('timeout', errorPacket(ErrCode.notDefined, 'timeout'));
    lastActivity = now;
    if (phase === 'oack') sendRaw(oackPacket(neg.oack ?? []));
    else {
      sent = acked;
      pump();
    }
    timer = setTimeout(onTimer, delay());
  };

  socket.on('message', (msg: Buffer) => {
    if (msg.length < 4) return;
    const op = msg.readUInt16BE(0);
    if (op === Op.ACK) onAck(msg.readUInt16BE(2));
    // Any ERROR from the client ends the transfer quietly: the Pi's
    // "Early terminate" existence probe is the common case.
    else if (op === Op.ERROR) finish('early-terminate');
  });
  socket.on('error', (err) => {
    logger.warn('tftp: transfer socket error', { err });
    finish('error');
  });

  if (phase === 'oack') sendRaw(oackPacket(neg.oack ?? []));
  else pump();
  timer = setTimeout(onTimer, delay());
  return { abort: (reason) => finish('error', errorPacket(ErrCode.notDefined, reason)) };
}
