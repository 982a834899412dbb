// The TFTP server's and file cache's figures as Prometheus gauges, for the
// composition root to register (the registry stays outside src/tftp).
import type { FileCache } from './file-cache.js';
import type { TftpServer } from './types.js';

/** One gauge: its name, help text and how to read it on scrape. */
export interface TftpGauge {
  name: string;
  help: string;
  read(): Array<{ labels: Record<string, string>; value: number }>;
}

/** Gauges for a server and the cache its handler reads through. */
export function tftpGauges(server: TftpServer, cache: FileCache): TftpGauge[] {
  const one = (value: number) => [{ labels: {}, value }];
  return [
    {
      name: 'bootherd_tftp_transfers',
      help: 'TFTP transfers since start by outcome',
      read: () => {
        const { retransmits: _r, spuriousResends: _s, ...outcomes } = server.stats();
        return Object.entries(outcomes).map(([outcome, value]) => ({ labels: { outcome }, value }));
      },
    },
    { name: 'bootherd_tftp_retransmits', help: 'TFTP packets sent again after a timeout, since start', read: () => one(server.stats().retransmits) },
    { name: 'bootherd_tftp_spurious_resends', help: 'TFTP retransmissions the client did not need (it acknowledged the packet twice), since start', read: () => one(server.stats().spuriousResends) },
    { name: 'bootherd_tftp_cache_bytes', help: 'Bytes the boot-file cache holds (whole files and cut packets) against tftp.cacheBytes', read: () => one(cache.stats().bytes) },
  ];
}
