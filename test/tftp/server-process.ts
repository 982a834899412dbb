// The TFTP server and its file cache in a process of their own, as in
// production (clients, proxies and the test runner then cannot stall its
// timers): forked with an IPC channel, args DIR CACHE_BYTES, and with
// --expose-gc when RSS is to be measured. It sends { port } once listening,
// then answers each 'stats' message with its RSS (after a full garbage
// collection when it can), the server's and the cache's figures, and the
// cache's highest counted bytes seen at any transfer's end.
import path from 'node:path';
import { createFileCache, createTftpServer } from '../../src/tftp/index.js';

const [dir, budget] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;

async function main(send: (msg: unknown) => void): Promise<void> {
  if (!dir || !budget) throw new Error('server-process: args DIR CACHE_BYTES');
  const cache = createFileCache({ maxBytes: Number(budget), maxFileBytes: 64 * 1024 * 1024 });
  let peakBytes = 0;
  const server = createTftpServer({
    handler: (req) => cache.file(path.join(dir, req.path)),
    listen: [{ host: '127.0.0.1', port: 0 }],
    onTransfer: () => (peakBytes = Math.max(peakBytes, cache.stats().bytes)),
  });
  const [addr] = await server.start();
  process.on('message', (msg) => {
    if (msg === 'stop') return void server.stop().then(() => process.exit(0));
    gc?.();
    gc?.();
    send({ rss: process.memoryUsage().rss, cache: cache.stats(), peakBytes, tftp: server.stats() });
  });
  send({ port: addr!.port });
}

if (process.send) await main(process.send.bind(process));
