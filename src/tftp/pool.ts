// Transfer workers (tftp.workers > 1): the main thread keeps the listen
// sockets, admission, the handler and the cache; each admitted transfer's
// data path runs on a worker thread (worker.ts), picked by the client's
// address, so a client's transfers and RTO floor stay on one thread. Cached
// packets cross as views of shared memory: the cache keeps one budget for all
// workers, and holds a file until the worker says its transfer ended. A worker
// that dies ends its transfers as errors (their clients retry) and is
// replaced; the others keep serving.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import type { Negotiated } from './options.js';
import type { Transfer } from './transfer.js';
import type { FromWorker, ToWorker, WorkerConfig } from './worker-messages.js';
import type { TftpFile, TftpReader, TransferOutcome } from './types.js';

/** One admitted transfer for a worker to run. */
export interface PoolTransfer {
  host: string;
  client: { address: string; port: number };
  file: TftpFile;
  negotiated: Negotiated;
  onEnd(outcome: TransferOutcome, bytes: number): void;
  /** No transfer socket could be opened: answer the client from the listen socket. */
  onSocketFailed(): void;
}

/** The workers of one server. */
export interface TransferPool {
  /** Opens the file and hands the transfer to a worker; throws when the file cannot be opened. */
  run(t: PoolTransfer): Promise<Transfer>;
  /** The live workers, in slot order (supervision and tests). */
  workers(): readonly Worker[];
  /** Lets live transfers send their last packet, then ends the workers. */
  stop(): Promise<void>;
}

interface Live {
  reader: TftpReader;
  t: PoolTransfer;
}

interface Slot {
  worker: Worker;
  live: Map<number, Live>;
  up: boolean;
}

/** Starts `count` workers. */
export function createTransferPool(opts: { count: number; config: WorkerConfig; logger: Logger; countResend(event: 'retransmit' | 'spurious'): void }): TransferPool {
  const { logger } = opts;
  const slots: Slot[] = [];
  let nextId = 0;
  let stopping = false;

  const post = (slot: Slot, m: ToWorker, transfer?: ArrayBuffer[]): void => {
    if (slot.up) slot.worker.postMessage(m, transfer);
  };

  const spawn = (i: number): void => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: opts.config });
    const slot: Slot = { worker, live: new Map(), up: true };
    slots[i] = slot;
    worker.unref();
    worker.on('message', (m: FromWorker) => onMessage(slot, m));
    worker.on('error', (err) => logger.error('tftp: transfer worker failed', { err, worker: i }));
    worker.on('exit', (code) => {
      slot.up = false;
      if (slot.live.size || !stopping) logger.error('tftp: transfer worker exited', { worker: i, code, transfers: slot.live.size });
      for (const [id, live] of slot.live) finish(slot, id, live, 'error', 0);
      // Replaced after a pause, so a worker that cannot start does not spin.
      if (!stopping) setTimeout(() => stopping || spawn(i), 200).unref();
    });
  };

  const finish = (slot: Slot, id: number, live: Live, outcome: TransferOutcome, bytes: number): void => {
    slot.live.delete(id);
    void Promise.resolve().then(() => live.reader.close()).catch((err: unknown) => logger.warn('tftp: reader close failed', { err }));
    live.t.onEnd(outcome, bytes);
  };

  const onMessage = (slot: Slot, m: FromWorker): void => {
    if (m.type === 'read') return void read(slot, m);
    if (m.type === 'resend') return opts.countResend(m.event);
    if (m.type === 'log') return logger[m.level](m.msg, m.fields);
    const live = slot.live.get(m.id);
    if (!live) return;
    if (m.socketFailed) live.t.onSocketFailed();
    finish(slot, m.id, live, m.outcome, m.bytes);
  };

  // A chunk for a worker: shared memory as a view, anything else copied and moved.
  const read = async (slot: Slot, m: Extract<FromWorker, { type: 'read' }>): Promise<void> => {
    const live = slot.live.get(m.id);
    try {
      if (!live) throw new Error('transfer ended');
      const data = await live.reader.read(m.offset, m.length);
      if (data.buffer instanceof SharedArrayBuffer) return post(slot, { type: 'data', id: m.id, seq: m.seq, data });
      const copy = new Uint8Array(data.length);
      copy.set(data);
      post(slot, { type: 'data', id: m.id, seq: m.seq, data: copy }, [copy.buffer]);
    } catch (err) {
      post(slot, { type: 'data', id: m.id, seq: m.seq, error: (err as Error).message });
    }
  };

  const pick = (address: string): Slot => {
    let h = 0;
    for (let i = 0; i < address.length; i++) h = (h * 31 + address.charCodeAt(i)) | 0;
    const first = Math.abs(h) % slots.length;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[(first + k) % slots.length]!;
      if (slot.up) return slot;
    }
    throw new Error('no transfer worker is running');
  };

  for (let i = 0; i < opts.count; i++) spawn(i);

  return {
    async run(t) {
      const slot = pick(t.client.address);
      const reader = await t.file.open();
      // Asked once per transfer, as blocks.ts does: the cache counts transfers.
      const whole = reader.packets?.(t.negotiated.blksize) ?? null;
      const packets = whole && whole.buffer instanceof SharedArrayBuffer ? whole : null;
      const id = ++nextId;
      if (!slot.up) {
        await reader.close();
        throw new Error('transfer worker exited');
      }
      slot.live.set(id, { reader, t });
      post(slot, { type: 'start', id, host: t.host, client: t.client, negotiated: t.negotiated, size: t.file.size, packets });
      return { abort: (reason) => post(slot, { type: 'abort', id, reason }) };
    },
    workers: () => slots.filter((s) => s.up).map((s) => s.worker),
    async stop() {
      stopping = true;
      const deadline = performance.now() + 1000;
      while (slots.some((s) => s.up && s.live.size > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
