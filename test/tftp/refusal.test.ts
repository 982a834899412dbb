// A handler may turn a client away for now: the server answers ERROR 0 with
// the handler's message from the listen socket, records the RRQ as 'busy',
// frees its slot, and serves the same client again once the handler agrees.
// Seen by the Pi-like client and by atftp (Debian package atftp).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { createFileCache } from '../../src/tftp/index.js';
import { tftpGet } from '../helpers/tftp-client.js';
import { makeFixture, startServer } from './support.js';

test('a refusal is ERROR 0 with the handler\'s message, counted busy, and the client is served once allowed', async () => {
  const fx = await makeFixture({ 'start4.elf': 50_000 });
  const cache = createFileCache({ maxBytes: 1 << 20, maxFileBytes: 1 << 20 });
  let allow = false;
  const srv = await startServer(fx.dir, { handler: async (req) => (allow ? cache.file(path.join(fx.dir, req.path)) : { refuse: 'boot deferred: admission queue position 3' }) });
  try {
    const get = () => tftpGet({ host: '127.0.0.1', port: srv.port, path: 'start4.elf', options: { tsize: '0', blksize: '1024' } });
    const r = await get();
    assert.deepEqual(r.error, { code: 0, message: 'boot deferred: admission queue position 3' });
    assert.equal(r.bytes, 0);
    assert.deepEqual(srv.records.map((x) => x.outcome), ['busy']);
    assert.equal(srv.server.stats().busy, 1);
    assert.equal(srv.server.stats().active, 0, 'the refused RRQ holds no slot');
    // The server runs in this process: atftp must run asynchronously.
    const atftp = await new Promise<{ out: string; missing: boolean }>((resolve) => {
      execFile('atftp', ['--get', '-r', 'start4.elf', '-l', path.join(fx.dir, 'atftp.out'), '--option', 'tsize 0', '--option', 'blksize 1024', '127.0.0.1', String(srv.port)], { timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ out: stdout + stderr, missing: (err as NodeJS.ErrnoException | null)?.code === 'ENOENT' });
      });
    });
    assert.ok(!atftp.missing, 'atftp must be installed (Debian package atftp)');
    assert.match(atftp.out, /error received from server <boot deferred: admission queue position 3>/, 'atftp shows the message');
    allow = true;
    const ok = await get();
    assert.equal(ok.error, null);
    assert.deepEqual(ok.data, fx.files.get('start4.elf'));
  } finally {
    await srv.stop();
    await fx.cleanup();
  }
});
