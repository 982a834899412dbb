// Public surface of bootherd's RRQ-only TFTP server (RFC 1350, 2347, 2348,
// 2349, 7440). Decisions where the RFCs leave a choice:
// - netascii is served as octet (no CR LF conversion); other modes ("mail") get ERROR 4.
// - An option with an invalid value (blksize below 8 such as 0, tsize -1,
//   timeout outside 1..255, non-decimal values) is left out of the OACK rather
//   than refused with ERROR 8; blksize above the cap is clamped to it. When no
//   option survives, the transfer starts with DATA 1 as in RFC 1350.
// - Any ERROR from the client ends a transfer as 'early-terminate' (the Pi's
//   existence probe), not as a failure, whenever it arrives; so does finding
//   the client's port closed (ECONNREFUSED), as when a resend outruns the
//   probe's ERROR after the probe closed its socket.
// - Refusals (paths, modes, WRQ, busy, the handler's, not found) are answered from the listen
//   socket; transfers from a fresh socket per RRQ connected to the client.
// - Malformed RRQs and WRQs are counted but produce no TransferRecord.
// - A handler that gives no answer within handlerTimeoutMs (10 s) is treated
//   as failed: the client gets ERROR 0 and its slot is freed.
// - A client refused by allowClient gets ERROR 2 before the handler sees it.
// - Retransmission is paced by each transfer's measured round trip (rtt.ts);
//   a client's `timeout` option is honoured as the start and the cap of that
//   timeout, not as a fixed interval. A client that never answered is given
//   up after maxRetries timeouts, one that did after idleTimeoutMs without
//   progress.
// - With workers > 1 (tftp.workers), admission, the handler and the cache stay
//   on the calling thread and each transfer's data path runs on a worker
//   thread chosen by client address (pool.ts); cached bytes are shared, not
//   copied, and a worker that dies ends only its own transfers.
export type { TftpFile, TftpHandler, TftpReader, TftpRefusal, TftpRequest, TftpServer, TftpServerOptions, TftpStats, TransferOutcome, TransferRecord } from './types.js';
export { createTftpServer } from './server.js';
export { validateTftpPath } from './path.js';
export { createFileCache } from './file-cache.js';
export type { FileCache, FileCacheOptions, FileCacheStats } from './file-cache.js';
export { tftpMetrics, type TftpMetric } from './metrics.js';
