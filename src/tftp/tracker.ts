// Bookkeeping for live RRQs: duplicate detection, concurrency caps, stats and
// the one TransferRecord each RRQ produces.
import type { Logger } from '../log.js';
import type { Transfer } from './transfer.js';
import type { TftpStats, TransferOutcome, TransferRecord } from './types.js';

/** Ends a tracked RRQ; later calls are ignored. */
export type EndFn = (outcome: TransferOutcome, bytes: number, size?: number) => void;

/** Live-transfer registry of one server. */
export interface Tracker {
  has(key: string): boolean;
  /** Takes a slot for an RRQ, or records 'busy' and returns null when a cap is reached. */
  acquire(key: string, path: string, client: { address: string; port: number }): { end: EndFn } | null;
  attach(key: string, transfer: Transfer): void;
  record(path: string, client: { address: string; port: number }, outcome: TransferOutcome, bytes: number, startedAt: number, size?: number): void;
  count(outcome: TransferOutcome): void;
  /** Counts a retransmission, or one found needless. */
  countResend(event: 'retransmit' | 'spurious'): void;
  abortAll(reason: string): void;
  stats(): TftpStats;
}

interface Entry {
  transfer?: Transfer;
}

/** Creates the registry with the server's caps. */
export function createTracker(opts: { maxTransfers: number; maxPerClient: number; onTransfer?: ((rec: TransferRecord) => void) | undefined; logger: Logger }): Tracker {
  const live = new Map<string, Entry>();
  const perIp = new Map<string, number>();
  const counters: Omit<TftpStats, 'active'> = { completed: 0, earlyTerminated: 0, failed: 0, notFound: 0, denied: 0, busy: 0, retransmits: 0, spuriousResends: 0 };
  let stopping = false;

  const count = (outcome: TransferOutcome): void => {
    if (outcome === 'complete') counters.completed++;
    else if (outcome === 'early-terminate') counters.earlyTerminated++;
    else if (outcome === 'not-found') counters.notFound++;
    else if (outcome === 'denied') counters.denied++;
    else if (outcome === 'busy') counters.busy++;
    else counters.failed++;
  };

  const record: Tracker['record'] = (path, client, outcome, bytes, startedAt, size) => {
    count(outcome);
    const rec: TransferRecord = { path, client, outcome, bytes, durationMs: Date.now() - startedAt };
    if (size !== undefined) rec.size = size;
    opts.logger.debug('tftp: rrq ended', { path, client: client.address, outcome, bytes });
    try {
      opts.onTransfer?.(rec);
    } catch (err) {
      opts.logger.error('tftp: onTransfer callback failed', { err });
    }
  };

  const acquire: Tracker['acquire'] = (key, path, client) => {
    const startedAt = Date.now();
    const n = perIp.get(client.address) ?? 0;
    if (stopping || live.size >= opts.maxTransfers || n >= opts.maxPerClient) {
      record(path, client, 'busy', 0, startedAt);
      return null;
    }
    live.set(key, {});
    perIp.set(client.address, n + 1);
    let ended = false;
    const end: EndFn = (outcome, bytes, size) => {
      if (ended) return;
      ended = true;
      live.delete(key);
      const left = (perIp.get(client.address) ?? 1) - 1;
      if (left > 0) perIp.set(client.address, left);
      else perIp.delete(client.address);
      record(path, client, outcome, bytes, startedAt, size);
    };
    return { end };
  };

  return {
    has: (key) => live.has(key),
    acquire,
    attach(key, transfer) {
      const entry = live.get(key);
      if (entry) entry.transfer = transfer;
      if (stopping) transfer.abort('server stopping');
    },
    record,
    count,
    countResend(event) {
      if (event === 'retransmit') counters.retransmits++;
      else counters.spuriousResends++;
    },
    abortAll(reason) {
      stopping = true;
      for (const entry of [...live.values()]) entry.transfer?.abort(reason);
    },
    stats: () => ({ active: live.size, ...counters }),
  };
}
