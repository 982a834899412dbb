// Hostile and broken input: traversal, write requests, truncated and random
// datagrams, odd options, caps, failing handlers. The server must answer or
// drop, never crash, and still serve a normal transfer afterwards.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTftpServer } from '../../src/tftp/index.js';
import { requestPacket } from '../../src/tftp/packet.js';
import { decodeError, errorDatagram, exchange, tftpGet } from '../helpers/tftp-client.js';
import { makeFixture, rawPeer, sha256, startServer, until } from './support.js';
import type { Fixture, Running } from './support.js';

const ack = (n: number): Buffer => Buffer.from([0, 4, n >> 8, n & 0xff]);

describe('tftp server under hostile input', () => {
  let fx: Fixture;
  let srv: Running;
  before(async () => {
    fx = await makeFixture({ 'kernel8.img': 200_000, 'etc/passwd': 10 });
    srv = await startServer(fx.dir);
  });
  after(async () => {
    await srv.stop();
    await fx.cleanup();
  });
  const ask = async (datagram: Buffer) => decodeError((await exchange('127.0.0.1', srv.port, datagram, { firstOnly: true }))[0]);
  const rrq = (name: string, mode = 'octet', opts: Record<string, string> = {}) => requestPacket(1, name, mode, opts);

  it('refuses traversal, absolute, backslash and over-long paths with ERROR 2', async () => {
    for (const name of ['../etc/passwd', 'a/../../x', '..', '/etc/passwd', 'a\\b', '..\\..\\x', 'a'.repeat(300)]) {
      assert.deepEqual(await ask(rrq(name)), { code: 2, message: 'access violation' }, name);
    }
    await until(() => srv.records.length === 7, 'denied records');
    assert.deepEqual(new Set(srv.records.splice(0).map((r) => r.outcome)), new Set(['denied']));
    assert.equal(srv.requests.length, 0, 'handler never sees a refused path');
  });

  it('refuses a NUL inside the file name', async () => {
    // On the wire a NUL ends the name: "etc\0passwd\0octet\0" is name "etc", mode "passwd".
    const err = await ask(Buffer.concat([Buffer.from([0, 1]), Buffer.from('etc\0passwd\0octet\0')]));
    assert.equal(err?.code, 4);
    assert.equal(srv.requests.length, 0);
    srv.records.length = 0;
  });

  it('refuses write requests with ERROR 2', async () => {
    assert.deepEqual(await ask(requestPacket(2, 'kernel8.img', 'octet')), { code: 2, message: 'write not supported' });
  });

  it('answers truncated requests and unknown opcodes with ERROR 4', async () => {
    for (const d of [Buffer.from([0, 1]), Buffer.from([0, 1, 0x61, 0x62]), Buffer.from('\0\x01kernel8.img\0octet'), Buffer.from([0, 9, 1, 2, 3])]) {
      assert.equal((await ask(d))?.code, 4, d.toString('hex'));
    }
  });

  it('drops one-byte datagrams and stray ACK/DATA/ERROR on the listen port', async () => {
    for (const d of [Buffer.from([1]), ack(1), Buffer.from([0, 3, 0, 1, 9]), errorDatagram(0, 'x')]) {
      assert.deepEqual(await exchange('127.0.0.1', srv.port, d, { waitMs: 200 }), [], d.toString('hex'));
    }
  });

  it('answers unsupported modes with ERROR 4 and serves netascii as octet', async () => {
    assert.deepEqual(await ask(rrq('kernel8.img', 'mail')), { code: 4, message: 'unsupported mode' });
    const res = await tftpGet({ host: '127.0.0.1', port: srv.port, path: 'kernel8.img', mode: 'netascii' });
    assert.equal(sha256(res.data), sha256(fx.files.get('kernel8.img')!));
  });

  it('does not acknowledge blksize 0 or tsize -1, and clamps blksize 70000 to the cap', async () => {
    const get = (options: Record<string, string>) => tftpGet({ host: '127.0.0.1', port: srv.port, path: 'kernel8.img', options });
    const zero = await get({ tsize: '0', blksize: '0' });
    assert.deepEqual(zero.oack, { tsize: '200000' });
    assert.equal(zero.stats.dataPackets, Math.floor(200_000 / 512) + 1);
    const huge = await get({ blksize: '70000' });
    assert.deepEqual(huge.oack, { blksize: '1468' });
    const negative = await get({ tsize: '-1' });
    assert.equal(negative.oack, null, 'no acceptable option: plain RFC 1350, DATA 1 first');
    for (const r of [zero, huge, negative]) assert.equal(sha256(r.data), sha256(fx.files.get('kernel8.img')!));
  });

  it('ignores an ACK for a block never sent', async () => {
    const peer = await rawPeer();
    peer.send(rrq('kernel8.img', 'octet', { blksize: '1024' }), srv.port);
    const oack = await peer.next();
    peer.send(ack(500), oack.port);
    peer.send(ack(0), oack.port);
    assert.equal((await peer.next()).msg.readUInt16BE(2), 1);
    peer.send(ack(7), oack.port);
    peer.send(ack(1), oack.port);
    const d2 = await peer.next();
    assert.deepEqual([d2.msg.readUInt16BE(0), d2.msg.readUInt16BE(2)], [3, 2]);
    peer.send(errorDatagram(0, 'Early terminate'), oack.port);
    await peer.close();
  });

  it('survives a thousand random datagrams and still serves a file', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    for (let i = 0; i < 1000; i++) {
      const d = randomBytes(Math.floor(Math.random() * 600));
      if (i % 3 === 0 && d.length >= 2) d.writeUInt16BE(1 + (i % 7), 0);
      await new Promise<void>((r) => sock.send(d, srv.port, '127.0.0.1', () => r()));
    }
    sock.close();
    // The burst overflows the listen socket's buffer, so the RRQ may be dropped:
    // resend it like a real client does.
    const res = await tftpGet({ host: '127.0.0.1', port: srv.port, path: 'kernel8.img', options: { tsize: '0', blksize: '1024' }, resendMs: 300 });
    assert.equal(sha256(res.data), sha256(fx.files.get('kernel8.img')!));
  });
});

describe('tftp server caps and failures', () => {
  let fx: Fixture;
  before(async () => {
    fx = await makeFixture({ 'a.bin': 50_000 });
  });
  after(() => fx.cleanup());

  it('answers ERROR 0 "server busy" beyond maxPerClient', async () => {
    const srv = await startServer(fx.dir, { maxPerClient: 1 });
    const first = await rawPeer();
    first.send(requestPacket(1, 'a.bin', 'octet', { tsize: '0' }), srv.port);
    const oack = await first.next();
    const second = await tftpGet({ host: '127.0.0.1', port: srv.port, path: 'a.bin', options: { tsize: '0' } });
    assert.deepEqual(second.error, { code: 0, message: 'server busy' });
    first.send(errorDatagram(0, 'Early terminate'), oack.port);
    await first.close();
    await until(() => srv.server.stats().active === 0, 'first transfer to end');
    assert.equal(srv.server.stats().busy, 1);
    assert.deepEqual(srv.records.map((r) => r.outcome).sort(), ['busy', 'early-terminate']);
    await srv.stop();
  });

  it('gives up after maxRetries retransmissions and records a timeout', async () => {
    const srv = await startServer(fx.dir, { timeoutMs: 20, maxRetries: 2 });
    const peer = await rawPeer();
    peer.send(requestPacket(1, 'a.bin', 'octet'), srv.port);
    const seen: number[] = [];
    for (;;) {
      const { msg } = await peer.next();
      seen.push(msg.readUInt16BE(0));
      if (msg.readUInt16BE(0) === 5) break;
    }
    assert.deepEqual(seen, [3, 3, 3, 5], 'DATA 1, two retransmits, then ERROR');
    await until(() => srv.records.length === 1, 'record');
    assert.equal(srv.records[0]?.outcome, 'timeout');
    assert.equal(srv.server.stats().failed, 1);
    await peer.close();
    await srv.stop();
  });

  it('hides handler and read errors behind a generic ERROR 0', async () => {
    const records: string[] = [];
    const server = createTftpServer({
      listen: [{ host: '127.0.0.1', port: 0 }],
      onTransfer: (r) => records.push(`${r.path}:${r.outcome}`),
      handler: async (req) => {
        if (req.path === 'throws') throw new Error('secret database detail');
        if (req.path === 'badsize') return { size: Number.NaN, open: () => Promise.reject(new Error('never opened')) };
        return { size: 5000, open: async () => ({ read: async () => Promise.reject(new Error('disk on fire')), close: () => undefined }) };
      },
    });
    const [addr] = await server.start();
    const get = (path: string) => tftpGet({ host: '127.0.0.1', port: addr!.port, path, options: { tsize: '0' } });
    assert.deepEqual((await get('throws')).error, { code: 0, message: 'server error' });
    assert.deepEqual((await get('unreadable')).error, { code: 0, message: 'server error' });
    assert.deepEqual((await get('badsize')).error, { code: 0, message: 'server error' });
    await until(() => records.length === 3, 'records');
    assert.deepEqual(records, ['throws:error', 'unreadable:error', 'badsize:error']);
    await server.stop();
  });

  it('answers ERROR 0 and frees the slot when the handler never answers', async () => {
    const records: string[] = [];
    const server = createTftpServer({
      listen: [{ host: '127.0.0.1', port: 0 }],
      handlerTimeoutMs: 200,
      maxPerClient: 1,
      onTransfer: (r) => records.push(`${r.path}:${r.outcome}`),
      handler: async (req) => (req.path === 'hangs' ? new Promise<never>(() => undefined) : { size: 3, open: async () => ({ read: async () => Buffer.from('abc'), close: () => undefined }) }),
    });
    const [addr] = await server.start();
    const get = (path: string) => tftpGet({ host: '127.0.0.1', port: addr!.port, path, options: { tsize: '0' } });
    assert.deepEqual((await get('hangs')).error, { code: 0, message: 'server error' });
    // The one slot this client may hold is free again.
    assert.equal((await get('small')).data.toString(), 'abc');
    await until(() => records.length === 2, 'records');
    assert.deepEqual(records, ['hangs:error', 'small:complete']);
    assert.equal(server.stats().active, 0);
    await server.stop();
  });
});
