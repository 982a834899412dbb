// The RRQ-only TFTP server: listen sockets, request admission (path, mode,
// caps, duplicates), the handler call, and per-transfer bookkeeping.
import dgram from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { silentLogger } from '../log.js';
import { maxBlksize, minBlksize, negotiate } from './options.js';
import type { NegotiationLimits } from './options.js';
import { ErrCode, Op, errorPacket, opcodeOf, parsePacket } from './packet.js';
import type { RequestPacket } from './packet.js';
import { validateTftpPath } from './path.js';
import { createTracker } from './tracker.js';
import { startTransfer } from './transfer.js';
import type { Pacing, RetryPolicy } from './transfer.js';
import { createRtoFloors } from './rtt.js';
import { createTransferPool } from './pool.js';
import type { TransferPool } from './pool.js';
import { openTransferSocket } from './transfer-socket.js';
import type { TftpFile, TftpRefusal, TftpServer, TftpServerOptions, TransferOutcome } from './types.js';

interface Listener {
  socket: Socket;
  host: string;
}

/** Creates a TFTP server answering read requests through opts.handler. */
export function createTftpServer(opts: TftpServerOptions): TftpServer {
  const logger = opts.logger ?? silentLogger;
  const limits: NegotiationLimits = {
    blksizeCap: clamp(opts.blksizeCap ?? 1468, minBlksize, maxBlksize),
    windowsizeCap: clamp(opts.windowsizeCap ?? 16, 1, 65535),
    timeoutMs: Math.max(1, opts.timeoutMs ?? 1000),
  };
  const rtoMaxMs = Math.max(1, opts.rtoMaxMs ?? 2000);
  const rtoMinMs = Math.min(rtoMaxMs, Math.max(1, opts.rtoMinMs ?? 10));
  const floors = createRtoFloors({ minMs: rtoMinMs, maxMs: rtoMaxMs });
  const retry: RetryPolicy = {
    rtoMaxMs,
    maxRetries: Math.max(0, opts.maxRetries ?? 5),
    idleTimeoutMs: Math.max(1, opts.idleTimeoutMs ?? 20_000),
  };
  const handlerTimeoutMs = Math.max(1, opts.handlerTimeoutMs ?? 10_000);
  const tracker = createTracker({ maxTransfers: opts.maxTransfers ?? 512, maxPerClient: opts.maxPerClient ?? 16, onTransfer: opts.onTransfer, logger });
  const listeners: Listener[] = [];
  // With more than one worker, transfers run on worker threads (pool.ts); with one, here.
  const workerCount = Math.max(1, Math.floor(opts.workers ?? 1));
  let pool: TransferPool | null = null;

  const onDatagram = (l: Listener, msg: Buffer, rinfo: RemoteInfo): void => {
    try {
      handleDatagram(l, msg, rinfo);
    } catch (err) {
      logger.error('tftp: datagram handling failed', { err, client: rinfo.address });
    }
  };

  const handleDatagram = (l: Listener, msg: Buffer, rinfo: RemoteInfo): void => {
    const op = opcodeOf(msg);
    // ACK, DATA, ERROR, OACK on the listen port belong to no transfer: drop
    // them (and never answer an ERROR, to avoid error loops).
    if (op === Op.ACK || op === Op.DATA || op === Op.ERROR || op === Op.OACK || op < 0) return;
    const reply = (code: number, text: string): void => sendTo(l.socket, errorPacket(code, text), rinfo);
    const pkt = parsePacket(msg);
    if (!pkt || (pkt.op !== Op.RRQ && pkt.op !== Op.WRQ)) {
      logger.debug('tftp: malformed datagram', { client: rinfo.address, bytes: msg.length });
      return reply(ErrCode.illegalOperation, 'illegal operation');
    }
    if (pkt.op === Op.WRQ) {
      tracker.count('denied');
      return reply(ErrCode.accessViolation, 'write not supported');
    }
    if (opts.allowClient && !opts.allowClient(rinfo.address)) {
      logger.debug('tftp: client refused', { client: rinfo.address, path: pkt.filename });
      tracker.record(pkt.filename, { address: rinfo.address, port: rinfo.port }, 'denied', 0, Date.now());
      return reply(ErrCode.accessViolation, 'access violation');
    }
    admit(l, pkt, rinfo, reply).catch((err: unknown) => logger.error('tftp: request failed', { err, client: rinfo.address }));
  };

  const admit = async (l: Listener, pkt: RequestPacket, rinfo: RemoteInfo, reply: (code: number, text: string) => void): Promise<void> => {
    const client = { address: rinfo.address, port: rinfo.port };
    const key = `${l.host}|${rinfo.address}|${rinfo.port}`;
    // A duplicate RRQ from the same address and port, while its transfer lives, is ignored.
    if (tracker.has(key)) return;
    // netascii is served as octet: boot files are binary, and LF-only text
    // survives a netascii client's CR LF -> LF conversion unchanged.
    if (pkt.mode !== 'octet' && pkt.mode !== 'netascii') {
      tracker.record(pkt.filename, client, 'denied', 0, Date.now());
      return reply(ErrCode.illegalOperation, 'unsupported mode');
    }
    const path = validateTftpPath(pkt.filename);
    if (path === null) {
      logger.info('tftp: path refused', { client: client.address, path: pkt.filename });
      tracker.record(pkt.filename, client, 'denied', 0, Date.now());
      return reply(ErrCode.accessViolation, 'access violation');
    }
    const slot = tracker.acquire(key, path, client);
    if (!slot) return reply(ErrCode.notDefined, 'server busy');
    let file: TftpFile | TftpRefusal | null;
    try {
      file = await withTimeout(opts.handler({ path, client, localAddress: l.host, options: pkt.options }), handlerTimeoutMs);
      if (file && 'refuse' in file) {
        slot.end('busy', 0);
        if (file.silent) return logger.debug('tftp: request held', { client: client.address, path, why: file.refuse });
        return reply(ErrCode.notDefined, file.refuse);
      }
      // The size goes into tsize and decides the last block: it must be exact.
      if (file && !(Number.isSafeInteger(file.size) && file.size >= 0)) throw new Error(`handler returned an invalid size: ${String(file.size)}`);
    } catch (err) {
      logger.error('tftp: handler failed', { err, path, client: client.address });
      slot.end('error', 0);
      return reply(ErrCode.notDefined, 'server error');
    }
    if (!file) {
      slot.end('not-found', 0);
      return reply(ErrCode.fileNotFound, 'file not found');
    }
    await transfer(l, file, pkt, rinfo, slot.end);
  };

  const transfer = async (l: Listener, file: TftpFile, pkt: RequestPacket, rinfo: RemoteInfo, end: (o: TransferOutcome, bytes: number, size?: number) => void): Promise<void> => {
    const size = file.size;
    const key = `${l.host}|${rinfo.address}|${rinfo.port}`;
    const serverError = () => sendTo(l.socket, errorPacket(ErrCode.notDefined, 'server error'), rinfo);
    if (pool) {
      const client = { address: rinfo.address, port: rinfo.port };
      try {
        const t = await pool.run({ host: l.host, client, file, negotiated: negotiate(pkt.options, size, limits), onEnd: (outcome, bytes) => end(outcome, bytes, size), onSocketFailed: serverError });
        tracker.attach(key, t);
      } catch (err) {
        logger.error('tftp: transfer not started', { err, client: client.address });
        end('error', 0, size);
        serverError();
      }
      return;
    }
    let socket: Socket;
    try {
      socket = await openTransferSocket(l.host, rinfo);
    } catch (err) {
      logger.error('tftp: cannot open transfer socket', { err });
      end('error', 0, size);
      return serverError();
    }
    try {
      const negotiated = negotiate(pkt.options, size, limits);
      const pacing = pacingFor(rinfo.address);
      const t = startTransfer({ socket, file, negotiated, retry, pacing, logger, onEnd: (outcome, bytes) => end(outcome, bytes, size) });
      tracker.attach(key, t);
    } catch (err) {
      socket.close();
      end('error', 0, size);
      throw err;
    }
  };

  const pacingFor = (client: string): Pacing => ({
    floorMs: () => floors.floor(client),
    retransmitted: () => tracker.countResend('retransmit'),
    settled(spurious) {
      floors.settle(client, spurious);
      if (spurious) tracker.countResend('spurious');
    },
  });

  return {
    async start() {
      if (workerCount > 1) pool = createTransferPool({ count: workerCount, config: { retry, rtoMinMs, rtoMaxMs }, logger, countResend: (e) => tracker.countResend(e) });
      for (const { host, port } of opts.listen) {
        const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
        const l: Listener = { socket, host };
        socket.on('error', (err) => logger.error('tftp: listen socket error', { err, host }));
        socket.on('message', (msg, rinfo) => onDatagram(l, msg, rinfo));
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ address: host, port, exclusive: true }, () => {
            socket.off('error', reject);
            resolve();
          });
        });
        listeners.push(l);
      }
      return listeners.map((l) => {
        const a = l.socket.address();
        return { address: a.address, port: a.port };
      });
    },
    async stop() {
      await Promise.all(listeners.splice(0).map((l) => new Promise<void>((resolve) => l.socket.close(() => resolve()))));
      tracker.abortAll('server stopping');
      await pool?.stop();
      pool = null;
    },
    stats: () => tracker.stats(),
    workers: () => pool?.workers() ?? [],
  };
}

// A handler that hangs must not hold the client's slot for ever.
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`handler gave no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function sendTo(socket: Socket, buf: Buffer, to: RemoteInfo): void {
  try {
    socket.send(buf, to.port, to.address);
  } catch {
    /* socket closed while stopping */
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.floor(v)));
}
