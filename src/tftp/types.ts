// Public types of the RRQ-only TFTP server. The server knows nothing about
// nodes: the product decides what a path means through a TftpHandler.
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
   * The whole file, when it is an immutable buffer shared by transfers (a
   * cache entry). The server then cuts it into DATA packets once per blksize
   * and every transfer of that file sends from the same packets.
   */
  shared?: Buffer;
}

/** A servable file: its size must be known before the first block (tsize). */
export interface TftpFile {
  size: number;
  open(): Promise<TftpReader>;
}

/** An answer turning the client away for now: ERROR 0 with this message (a Pi restarts its boot loop on it). */
export interface TftpRefusal {
  refuse: string;
}

/** Decides what to serve: null => ERROR 1; a refusal => ERROR 0 with its message; a throw => logged, client gets ERROR 0. */
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
  /** Base retransmit timeout, default 1000 ms; the client's 'timeout' option overrides. */
  timeoutMs?: number;
  /** Retransmissions without progress before giving up, default 5. */
  maxRetries?: number;
  /** How long the handler may take to answer an RRQ before the client gets ERROR 0, default 10000 ms. */
  handlerTimeoutMs?: number;
  /** Concurrent transfers in total, default 512. */
  maxTransfers?: number;
  /** Concurrent transfers per client IP, default 16. */
  maxPerClient?: number;
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
  /** Refused paths, modes and write requests answered ERROR 2/4. */
  denied: number;
  /** RRQs refused by the concurrency caps or turned away by the handler (a refusal). */
  busy: number;
}

/** A running (or stopped) TFTP server. */
export interface TftpServer {
  /** Binds every listen address; resolves to the bound addresses, in order. */
  start(): Promise<Array<{ address: string; port: number }>>;
  /** Closes listeners and aborts live transfers. */
  stop(): Promise<void>;
  stats(): TftpStats;
}
