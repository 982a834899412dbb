// Public surface of bootherd's RRQ-only TFTP server (RFC 1350, 2347, 2348, 2349, 7440).
export type { TftpFile, TftpHandler, TftpReader, TftpRequest, TftpServer, TftpServerOptions, TftpStats, TransferOutcome, TransferRecord } from './types.js';
export { createTftpServer } from './server.js';
export { validateTftpPath } from './path.js';
export { createFileCache } from './file-cache.js';
export type { FileCache, FileCacheOptions } from './file-cache.js';
