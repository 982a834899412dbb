// What the server's main thread and its transfer workers (pool.ts,
// worker.ts) say to each other. File bytes cross as views of the cache's
// SharedArrayBuffers (no copy) or as copied chunks.
import type { Negotiated } from './options.js';
import type { RetryPolicy } from './transfer.js';
import type { TransferOutcome } from './types.js';

/** What a worker is started with. */
export interface WorkerConfig {
  retry: RetryPolicy;
  rtoMinMs: number;
  rtoMaxMs: number;
}

/** Main thread to worker. */
export type ToWorker =
  | {
      type: 'start';
      id: number;
      host: string;
      client: { address: string; port: number };
      negotiated: Negotiated;
      size: number;
      /** The whole file cut at the negotiated blksize, shared with the cache; null: read per chunk. */
      packets: Uint8Array | null;
    }
  | { type: 'abort'; id: number; reason: string }
  | { type: 'data'; id: number; seq: number; data?: Uint8Array; error?: string };

/** Worker to main thread. */
export type FromWorker =
  | { type: 'read'; id: number; seq: number; offset: number; length: number }
  /** `socketFailed`: no transfer socket could be opened; the client is answered from the listen socket. */
  | { type: 'end'; id: number; outcome: TransferOutcome; bytes: number; socketFailed?: boolean }
  | { type: 'resend'; event: 'retransmit' | 'spurious' }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> };
