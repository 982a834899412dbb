// The TFTP server and its file cache in a process of their own, for the
// memory test: forked with --expose-gc and an IPC channel, args DIR
// CACHE_BYTES. It sends { port } once listening, then answers each
// 'measure' message with RSS after a full garbage collection and the cache's
// counted bytes, now and at their highest seen at any transfer's end.
import path from 'node:path';
import { createFileCache, createTftpServer } from '../../src/tftp/index.js';

const [dir, budget] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  if (!process.send || !dir || !gc) throw new Error('memory-server: fork me with --expose-gc, args DIR CACHE_BYTES');
  const send = process.send.bind(process);
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
    gc();
    gc();
    send({ rss: process.memoryUsage().rss, cache: cache.stats(), peakBytes });
  });
  send({ port: addr!.port });
}

if (process.send) await main();
