// The TFTP server's and file cache's figures for /metrics, for the
// composition root to register (the registry stays outside src/tftp).
import type { FileCache } from './file-cache.js';
import type { TftpServer } from './types.js';

/** One series family: counter (grows since start) or gauge, its help text and how to read it on scrape. */
export interface TftpMetric {
  kind: 'counter' | 'gauge';
  name: string;
  help: string;
  read(): Array<{ labels: Record<string, string>; value: number }>;
}

/** Metrics for a server and the cache its handler reads through. */
export function tftpMetrics(server: TftpServer, cache: FileCache): TftpMetric[] {
  const one = (value: number) => [{ labels: {}, value }];
  return [
    {
      kind: 'counter',
      name: 'bootherd_tftp_transfers_total',
      help: 'TFTP transfers since start by outcome',
      read: () => {
        const { active: _a, retransmits: _r, spuriousResends: _s, ...outcomes } = server.stats();
        return Object.entries(outcomes).map(([outcome, value]) => ({ labels: { outcome }, value }));
      },
    },
    { kind: 'gauge', name: 'bootherd_tftp_transfers_active', help: 'TFTP transfers in progress', read: () => one(server.stats().active) },
    { kind: 'counter', name: 'bootherd_tftp_retransmits_total', help: 'TFTP packets sent again after a timeout, since start', read: () => one(server.stats().retransmits) },
    { kind: 'counter', name: 'bootherd_tftp_spurious_resends_total', help: 'TFTP retransmissions the client did not need (it acknowledged the packet twice), since start', read: () => one(server.stats().spuriousResends) },
    { kind: 'gauge', name: 'bootherd_tftp_cache_bytes', help: 'Bytes the boot-file cache holds (whole files and cut packets) against tftp.cacheBytes', read: () => one(cache.stats().bytes) },
  ];
}
