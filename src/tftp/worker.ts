// A transfer worker thread (tftp.workers > 1): runs the data path of the
// transfers the main thread hands it (pool.ts), each on its own socket, with
// the same transfer code as the single-threaded server. File bytes come as
// views of the cache's shared memory, or chunk by chunk from the main
// thread's reader. Clients are grouped by address, so each client's RTO
// floor lives in one worker.
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { createRtoFloors } from './rtt.js';
import { startTransfer } from './transfer.js';
import type { Pacing, Transfer } from './transfer.js';
import { openTransferSocket } from './transfer-socket.js';
import type { FromWorker, ToWorker, WorkerConfig } from './worker-messages.js';
import type { TftpFile } from './types.js';

const port = parentPort!;
const cfg = workerData as WorkerConfig;
const floors = createRtoFloors({ minMs: Math.min(cfg.rtoMaxMs, cfg.rtoMinMs), maxMs: cfg.rtoMaxMs });
const live = new Map<number, Transfer>();
const starting = new Set<number>(); // transfers whose socket is opening
const aborted = new Map<number, string>(); // aborts that came meanwhile
const reads = new Map<number, { resolve(b: Buffer): void; reject(e: Error): void }>();
let nextSeq = 0;

const post = (m: FromWorker): void => port.postMessage(m);
// Fields cross as JSON: errors as their message.
const plain = (f?: Record<string, unknown>) => f && (JSON.parse(JSON.stringify(f, (_k, v: unknown) => (v instanceof Error ? v.message : v))) as Record<string, unknown>);
const log = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => post({ type: 'log', level, msg, fields: plain(fields) });
const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };

const read = (id: number, offset: number, length: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const seq = ++nextSeq;
    reads.set(seq, { resolve, reject });
    post({ type: 'read', id, seq, offset, length });
  });

const pacingFor = (client: string): Pacing => ({
  floorMs: () => floors.floor(client),
  retransmitted: () => post({ type: 'resend', event: 'retransmit' }),
  settled(spurious) {
    floors.settle(client, spurious);
    if (spurious) post({ type: 'resend', event: 'spurious' });
  },
});

async function start(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const end = (outcome: 'error', socketFailed?: boolean) => post({ type: 'end', id: m.id, outcome, bytes: 0, ...(socketFailed ? { socketFailed } : {}) });
  let socket;
  starting.add(m.id);
  try {
    socket = await openTransferSocket(m.host, m.client);
  } catch (err) {
    logger.error('tftp: cannot open transfer socket', { err });
    return end('error', true);
  } finally {
    starting.delete(m.id);
  }
  const packets = m.packets && Buffer.from(m.packets.buffer, m.packets.byteOffset, m.packets.byteLength);
  const file: TftpFile = { size: m.size, open: async () => ({ read: (offset, length) => read(m.id, offset, length), packets: () => packets, close: () => {} }) };
  try {
    const t = startTransfer({
      socket, file, negotiated: m.negotiated, retry: cfg.retry, pacing: pacingFor(m.client.address), logger,
      onEnd: (outcome, bytes) => {
        live.delete(m.id);
        post({ type: 'end', id: m.id, outcome, bytes });
      },
    });
    live.set(m.id, t);
    const reason = aborted.get(m.id);
    if (reason !== undefined) t.abort(reason);
  } catch (err) {
    socket.close();
    logger.error('tftp: transfer failed to start', { err });
    end('error');
  } finally {
    aborted.delete(m.id);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'start') void start(m);
  else if (m.type === 'abort') {
    const t = live.get(m.id);
    if (t) t.abort(m.reason);
    else if (starting.has(m.id)) aborted.set(m.id, m.reason);
  } else {
    const r = reads.get(m.seq);
    reads.delete(m.seq);
    if (!r) return;
    if (m.data) r.resolve(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    else r.reject(new Error(m.error ?? 'read failed'));
  }
});
