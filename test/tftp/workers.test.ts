// tftp.workers > 1: transfers run on worker threads. Real clients (atftp,
// busybox) and many clients on their own loopback addresses get the same
// bytes as from the single-threaded server, through every way a worker gets
// its bytes (shared cache memory, cut packets, a handler's own reader, an
// uncached file read per chunk); a worker that dies ends only its own
// transfers, is replaced, and the server keeps serving.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createFileCache } from '../../src/tftp/index.js';
import type { TftpFile } from '../../src/tftp/index.js';
import { ackPacket, requestPacket } from '../../src/tftp/packet.js';
import { tftpGet } from '../helpers/tftp-client.js';
import { edgeSizes, makeFixture, rawPeer, sha256, startServer, until } from './support.js';
import type { Fixture, Running } from './support.js';

const run = promisify(execFile);
const rendered = Buffer.from('arm_64bit=1\nkernel=kernel8.img\n'.repeat(3000));

// A handler's own reader (as the boot route renders config.txt): not the cache's shared memory.
const inMemory = (buf: Buffer): TftpFile => ({ size: buf.length, open: async () => ({ read: async (o, l) => buf.subarray(o, o + l), close: () => {} }) });

describe('tftp transfer workers', () => {
  let fx: Fixture;
  let srv: Running;
  let out: string;
  before(async () => {
    fx = await makeFixture({ ...edgeSizes, 'big.img': 5 * 1024 * 1024 + 99 });
    // The cache keeps files up to 4 MiB: big.img is read from disk per chunk.
    const cache = createFileCache({ maxBytes: 64 * 1024 * 1024, maxFileBytes: 4 * 1024 * 1024 });
    srv = await startServer(fx.dir, { workers: 2, handler: (req) => (req.path === 'config.txt' ? Promise.resolve(inMemory(rendered)) : cache.file(path.join(fx.dir, req.path))) });
    out = await mkdtemp(path.join(tmpdir(), 'bootherd-tftp-workers-'));
  });
  after(async () => {
    await srv.stop();
    await fx.cleanup();
    await rm(out, { recursive: true, force: true });
  });

  const expected = () => new Map([...fx.files, ['config.txt', rendered]]);

  it('runs two worker threads', () => {
    assert.equal(srv.server.workers().length, 2);
  });

  for (const [client, args] of [
    ['atftp', (f: string, o: string) => ['--get', '-r', f, '-l', o, '--option', 'tsize 0', '--option', 'blksize 1024', '127.0.0.1', String(srv.port)]],
    ['busybox', (f: string, o: string) => ['tftp', '-g', '-r', f, '-l', o, '-b', '1468', '127.0.0.1', String(srv.port)]],
  ] as const) {
    it(`${client} fetches every file intact, twice (the second time from cut packets)`, async () => {
      srv.records.length = 0;
      for (const pass of [1, 2]) {
        for (const [name, content] of expected()) {
          const dest = path.join(out, `${client}-${pass}-${name}`);
          await run(client, args(name, dest), { timeout: 60_000 });
          assert.equal(sha256(await readFile(dest)), sha256(content), `${client} pass ${pass}: ${name}`);
        }
      }
      await until(() => srv.server.stats().active === 0, 'transfers to end');
      assert.deepEqual(new Set(srv.records.map((r) => r.outcome)), new Set(['complete']));
      assert.equal(srv.records.length, 2 * expected().size);
    });
  }

  it('serves 24 clients on their own addresses at once, spread over both workers, and sums their stats', async () => {
    const before = srv.server.stats().completed;
    const busy = () => srv.server.workers().map((w) => w.performance.eventLoopUtilization().active);
    const busy0 = busy();
    const want = fx.files.get('kernel.img')!;
    const got = await Promise.all(Array.from({ length: 24 }, (_, i) => tftpGet({ host: '127.0.0.1', port: srv.port, path: 'kernel.img', options: { tsize: '0', blksize: '1024' }, localAddress: `127.0.9.${10 + i}`, timeoutMs: 30_000 })));
    for (const g of got) assert.equal(sha256(g.data), sha256(want));
    await until(() => srv.server.stats().active === 0, 'transfers to end');
    assert.equal(srv.server.stats().completed - before, 24);
    const worked = busy().map((ms, i) => ms - busy0[i]!);
    assert.ok(worked.every((ms) => ms > 0), `both workers carried transfers (active ms ${worked.join(', ')})`);
  });

  it('ends the transfers of a worker that dies as errors, replaces it, and keeps serving', async () => {
    // A client that takes DATA 1 and then goes silent: its transfer stays live on a worker.
    const peer = await rawPeer();
    srv.records.length = 0;
    peer.send(requestPacket(1, 'kernel.img', 'octet'), srv.port);
    const first = await peer.next();
    assert.equal(first.msg.readUInt16BE(0), 3, 'DATA 1');
    await until(() => srv.server.stats().active === 1, 'the stalled transfer to be live');
    const failed = srv.server.stats().failed;
    const dead = [...srv.server.workers()];
    await Promise.all(dead.map((w) => w.terminate()));
    await until(() => srv.server.stats().active === 0, 'the dead worker\'s transfer to end');
    assert.equal(srv.server.stats().failed - failed, 1);
    assert.deepEqual(srv.records.map((r) => r.outcome), ['error']);
    // Its late ACK reaches no one; the replacements serve everything anew.
    peer.send(ackPacket(1), first.port);
    await peer.close();
    await until(() => srv.server.workers().length === 2 && srv.server.workers().every((w) => !dead.includes(w)), 'replacement workers');
    const dest = path.join(out, 'after-crash-kernel.img');
    await run('atftp', ['--get', '-r', 'kernel.img', '-l', dest, '--option', 'blksize 1024', '127.0.0.1', String(srv.port)], { timeout: 60_000 });
    assert.equal(sha256(await readFile(dest)), sha256(fx.files.get('kernel.img')!));
  });

  it('keeps serving on the other worker while one is down', async () => {
    const [victim] = srv.server.workers();
    await victim!.terminate();
    // Its slot is down from the moment it exited; the replacement comes 200 ms later.
    assert.equal(srv.server.workers().length, 1);
    const got = await Promise.all(Array.from({ length: 6 }, (_, i) => tftpGet({ host: '127.0.0.1', port: srv.port, path: 'exact1468x2.bin', options: { blksize: '1468' }, localAddress: `127.0.8.${10 + i}`, timeoutMs: 30_000 })));
    for (const g of got) assert.equal(sha256(g.data), sha256(fx.files.get('exact1468x2.bin')!));
    await until(() => srv.server.workers().length === 2, 'the worker to be replaced');
  });
});
