// One read transfer on its own UDP socket (its own TID, RFC 1350 §4): OACK
// handshake, windowed sending (RFC 7440; windowsize 1 is RFC 1350 lock-step),
// retransmission with backoff, and the end of the transfer.
import type { Socket } from 'node:dgram';
import type { Logger } from '../log.js';
import type { Negotiated } from './options.js';
import { ErrCode, Op, dataHeader, errorPacket, oackPacket, parsePacket } from './packet.js';
import type { TftpFile, TftpReader, TransferOutcome } from './types.js';

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

/** Read-ahead size: one window, at least 64 KiB, so a disk-backed reader is not hit per block. */
const minChunk = 64 * 1024;
/** Retransmit delays double per retry up to this multiple of the base timeout. */
const maxBackoff = 8;

/** Starts a transfer: sends the OACK, or DATA 1 when no option was acknowledged. */
export function startTransfer(p: TransferParams): Transfer {
  const { socket, file, negotiated: neg, logger } = p;
  const size = file.size;
  const blksize = neg.blksize;
  // A size that is an exact multiple of blksize ends with an empty block (RFC 1350 §6).
  const lastBlock = Math.floor(size / blksize) + 1;
  const chunkSize = Math.max(minChunk, blksize * neg.windowsize);
  let phase: 'oack' | 'data' | 'done' = neg.oack ? 'oack' : 'data';
  let acked = 0; // highest block (absolute, 1-based) the client acknowledged
  let sent = 0; // highest block sent in the current pass
  let maxSent = 0; // highest block ever sent: ACKs above it are bogus
  let retries = 0;
  let lastActivity = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let reader: TftpReader | null = null;
  let chunk: { offset: number; buf: Buffer } | null = null;
  let pumping = false;
  let again = false;

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
    const r = reader;
    reader = null;
    if (r) void Promise.resolve().then(() => r.close()).catch((err: unknown) => logger.warn('tftp: reader close failed', { err }));
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

  const readBlock = async (block: number): Promise<Buffer> => {
    const offset = (block - 1) * blksize;
    const len = Math.min(blksize, size - offset);
    if (len <= 0) return Buffer.alloc(0);
    if (!chunk || offset < chunk.offset || offset + len > chunk.offset + chunk.buf.length) {
      reader ??= await file.open();
      const want = Math.min(chunkSize, size - offset);
      const buf = await reader.read(offset, want);
      if (buf.length !== want) throw new Error(`short read: ${buf.length} of ${want} bytes at ${offset}`);
      chunk = { offset, buf };
    }
    const start = offset - chunk.offset;
    return chunk.buf.subarray(start, start + len);
  };

  // Sends blocks up to the end of the window. Serialised: a caller arriving
  // while a read is pending sets `again`; a rewind (`sent` moved) skips a stale block.
  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (phase === 'data' && sent < Math.min(acked + neg.windowsize, lastBlock)) {
          const block = sent + 1;
          const payload = await readBlock(block);
          if (phase !== 'data') return closeReader();
          if (sent + 1 !== block) continue;
          sendRaw(payload.length > 0 ? [dataHeader(block), payload] : dataHeader(block));
          sent = block;
          if (block > maxSent) maxSent = block;
        }
      } while (again);
    } catch (err) {
      fail('read failed', err);
    } finally {
      pumping = false;
    }
  };

  const onAck = (wire: number): void => {
    if (phase === 'oack') {
      if (wire !== 0) return;
      phase = 'data';
      progress();
      void pump();
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
    void pump();
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
      void pump();
    }
    timer = setTimeout(onTimer, delay());
  };

  socket.on('message', (msg: Buffer) => {
    const pkt = parsePacket(msg);
    if (!pkt) return;
    if (pkt.op === Op.ACK) onAck(pkt.block);
    // Any ERROR from the client ends the transfer quietly: the Pi's
    // "Early terminate" existence probe is the common case.
    else if (pkt.op === Op.ERROR) finish('early-terminate');
  });
  socket.on('error', (err) => {
    logger.warn('tftp: transfer socket error', { err });
    finish('error');
  });

  if (phase === 'oack') sendRaw(oackPacket(neg.oack ?? []));
  else void pump();
  timer = setTimeout(onTimer, delay());
  return { abort: (reason) => finish('error', errorPacket(ErrCode.notDefined, reason)) };
}
