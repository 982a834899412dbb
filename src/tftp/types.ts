// Public types of the RRQ-only TFTP server. The server knows nothing about
// nodes: the product decides what a path means through a TftpHandler.
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';

/** One read request as the handler sees it. */
export interface TftpRequest {
  /** Validated, normalised path (see validateTftpPath). */
  path: string;
  client: { address: string; port: number };
  /** The listen address the RRQ arrived on. */
  localAddress: string;
  /** Options as requested, names lowercased (RFC 2347). */
  options: Record<string, string>;
}

/** Random-access reader for one transfer; closed when the transfer ends. */
export interface TftpReader {
  read(offset: number, length: number): Promise<Buffer>;
  close(): void | Promise<void>;
  /**
   * The whole file cut into DATA packets at `blksize` (see cutDataPackets),
   * when a cache keeps them for transfers to share; null (or absent) when the
   * server should cut per chunk from read(). Held until close().
   */
  packets?(blksize: number): Buffer | null;
}

/** A servable file: its size must be known before the first block (tsize). */
export interface TftpFile {
  size: number;
  open(): Promise<TftpReader>;
}

/** An answer turning the client away for now: ERROR 0 with this message (a Pi restarts its boot loop on it), or, `silent`, no answer at all (the client sends its RRQ again). */
export interface TftpRefusal {
  refuse: string;
  silent?: boolean;
}

/** Decides what to serve: null => ERROR 1; a refusal => ERROR 0 with its message (or nothing, when silent); a throw => logged, client gets ERROR 0. */
export type TftpHandler = (req: TftpRequest) => Promise<TftpFile | TftpRefusal | null>;

/** How an RRQ ended. */
export type TransferOutcome = 'complete' | 'early-terminate' | 'not-found' | 'denied' | 'timeout' | 'error' | 'busy';

/** Telemetry for one RRQ, emitted once when it ends. */
export interface TransferRecord {
  path: string;
  client: { address: string; port: number };
  outcome: TransferOutcome;
  /** Payload bytes acknowledged by the client. */
  bytes: number;
  size?: number;
  durationMs: number;
}

/** Configuration of createTftpServer. */
export interface TftpServerOptions {
  handler: TftpHandler;
  /** Port 0 picks a free port; one entry per boot VLAN address. */
  listen: Array<{ host: string; port: number }>;
  /** Largest blksize granted (RFC 2348), default 1468. */
  blksizeCap?: number;
  /** Largest windowsize granted (RFC 7440), default 16. */
  windowsizeCap?: number;
  /** Retransmit timeout before a transfer has measured a round trip, default 1000 ms; a client's 'timeout' option replaces it and caps the measured one. */
  timeoutMs?: number;
  /** Lowest floor of the retransmit timeout measured per transfer (RFC 6298 RTO), default 10 ms; a client's floor rises while its ACKs show needless resends. */
  rtoMinMs?: number;
  /** Cap of that timeout after backoff, default 2000 ms (a client's 'timeout' option lowers it). */
  rtoMaxMs?: number;
  /** Retransmissions in a row before giving up on a client that has acknowledged nothing, default 5. */
  maxRetries?: number;
  /** Time without progress before giving up on a client that has, default 20000 ms. */
  idleTimeoutMs?: number;
  /** How long the handler may take to answer an RRQ before the client gets ERROR 0, default 10000 ms. */
  handlerTimeoutMs?: number;
  /** Concurrent transfers in total, default 512. */
  maxTransfers?: number;
  /** Concurrent transfers per client IP, default 16. */
  maxPerClient?: number;
  /** Which client addresses are served (e.g. the boot networks); others get ERROR 2 and count as denied. Default: all. */
  allowClient?: (address: string) => boolean;
  /** Threads carrying transfers: 1 (default) runs them on the calling thread; more starts that many worker threads, clients grouped by address. */
  workers?: number;
  logger?: Logger;
  onTransfer?: (rec: TransferRecord) => void;
}

/** Counters since start(). */
export interface TftpStats {
  active: number;
  completed: number;
  earlyTerminated: number;
  /** Timeouts and errors (handler, read, socket). */
  failed: number;
  notFound: number;
  /** Refused clients, paths, modes and write requests answered ERROR 2/4. */
  denied: number;
  /** RRQs refused by the concurrency caps or turned away by the handler (a refusal). */
  busy: number;
  /** DATA (or OACK) sent again after a timeout, counted per retransmission. */
  retransmits: number;
  /** Retransmissions the client turned out not to need (a second ACK for what was resent). */
  spuriousResends: number;
}

/** A running (or stopped) TFTP server. */
export interface TftpServer {
  /** Binds every listen address; resolves to the bound addresses, in order. */
  start(): Promise<Array<{ address: string; port: number }>>;
  /** Closes listeners and aborts live transfers. */
  stop(): Promise<void>;
  stats(): TftpStats;
  /** The transfer worker threads (workers > 1), empty otherwise. */
  workers(): readonly Worker[];
}
