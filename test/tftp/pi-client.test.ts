// Pi bootloader behaviour against the server: probes, duplicates, a lost ACK,
// block-number rollover, and how retransmissions are paced and counted. Uses
// the Pi-like client from test/helpers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { requestPacket } from '../../src/tftp/packet.js';
import { errorDatagram, tftpGet } from '../helpers/tftp-client.js';
import { makeFixture, rawPeer, sha256, startServer, until } from './support.js';
import type { Fixture, RawPeer, Running } from './support.js';

const pi4 = { tsize: '0', blksize: '1024' };

describe('tftp server with a Pi-like client', () => {
  let fx: Fixture;
  let srv: Running;
  before(async () => {
    fx = await makeFixture({ 'start4.elf': 2_200_000, 'config.txt': 300, 'big.bin': 600_000, 'exact.bin': 1024 * 4, 'exact-big.bin': 1024 * 100 });
    srv = await startServer(fx.dir);
  });
  after(async () => {
    await srv.stop();
    await fx.cleanup();
  });
  const get = (path: string, extra: Partial<Parameters<typeof tftpGet>[0]> = {}) => tftpGet({ host: '127.0.0.1', port: srv.port, path, options: pi4, ...extra });
  const recordsFor = (path: string) => srv.records.filter((r) => r.path === path);

  it('serves a Pi 4 request: OACK with the real tsize and blksize 1024', async () => {
    const res = await get('start4.elf');
    assert.deepEqual(res.oack, { tsize: '2200000', blksize: '1024' });
    assert.equal(sha256(res.data), sha256(fx.files.get('start4.elf')!));
    assert.equal(res.stats.dataPackets, Math.floor(2_200_000 / 1024) + 1);
    assert.equal(res.retransmitsSeen, 0);
    await until(() => recordsFor('start4.elf').length === 1, 'transfer record');
    const rec = recordsFor('start4.elf')[0];
    assert.deepEqual({ outcome: rec?.outcome, bytes: rec?.bytes, size: rec?.size, client: rec?.client.address }, { outcome: 'complete', bytes: 2_200_000, size: 2_200_000, client: '127.0.0.1' });
    srv.records.length = 0;
  });

  it('counts a probe that stops after the OACK as early-terminate, not a failure', async () => {
    const before = srv.server.stats();
    const res = await get('config.txt', { earlyTerminate: 'oack' });
    assert.equal(res.oack?.tsize, '300');
    await until(() => recordsFor('config.txt').length === 1, 'transfer record');
    assert.equal(recordsFor('config.txt')[0]?.outcome, 'early-terminate');
    const st = srv.server.stats();
    assert.equal(st.earlyTerminated, before.earlyTerminated + 1);
    assert.equal(st.failed, before.failed);
  });

  it('counts a probe that stops after block 1 as early-terminate', async () => {
    const res = await get('big.bin', { earlyTerminate: 'block1' });
    assert.equal(res.bytes, 1024);
    await until(() => recordsFor('big.bin').length === 1, 'transfer record');
    assert.equal(recordsFor('big.bin')[0]?.outcome, 'early-terminate');
    srv.records.length = 0;
  });

  it('sends no extra DATA for duplicate ACKs (no Sorcerer\'s Apprentice)', async () => {
    const blocks = Math.floor(600_000 / 1024) + 1;
    const lockstep = await get('big.bin', { duplicateAcks: 2 });
    assert.equal(sha256(lockstep.data), sha256(fx.files.get('big.bin')!));
    assert.equal(lockstep.stats.dataPackets, blocks);
    const windowed = await get('big.bin', { options: { ...pi4, windowsize: '8' }, duplicateAcks: 3 });
    assert.equal(windowed.oack?.windowsize, '8');
    assert.equal(sha256(windowed.data), sha256(fx.files.get('big.bin')!));
    assert.equal(windowed.stats.dataPackets, blocks);
  });

  it('retransmits a block exactly once when its ACK is lost, then completes', async () => {
    const res = await get('big.bin', { dropAck: 5 });
    assert.equal(res.retransmitsSeen, 1);
    assert.equal(res.stats.dataPackets, Math.floor(600_000 / 1024) + 2);
    assert.equal(sha256(res.data), sha256(fx.files.get('big.bin')!));
  });

  it('retransmits the OACK when its ACK is lost', async () => {
    const res = await get('config.txt', { dropAck: 0 });
    assert.equal(res.stats.oackPackets, 2);
    assert.equal(sha256(res.data), sha256(fx.files.get('config.txt')!));
  });

  it('resends the whole window when the window\'s ACK is lost', async () => {
    const res = await get('big.bin', { options: { ...pi4, windowsize: '8' }, dropAck: 16 });
    assert.equal(res.retransmitsSeen, 8);
    assert.equal(sha256(res.data), sha256(fx.files.get('big.bin')!));
  });

  it('ends a file that is an exact multiple of blksize with an empty block', async () => {
    const res = await get('exact.bin');
    assert.equal(res.stats.dataPackets, 5);
    assert.equal(sha256(res.data), sha256(fx.files.get('exact.bin')!));
  });

  it('serves one cached file to concurrent clients with different blksizes, exact multiple included', async () => {
    // Cached files are cut into packets once per blksize and shared by transfers.
    const sizes = ['1024', '1468', '1024', '512', '1468'];
    const results = await Promise.all(sizes.map((blksize) => get('exact-big.bin', { options: { tsize: '0', blksize } })));
    const want = sha256(fx.files.get('exact-big.bin')!);
    assert.deepEqual(results.map((r) => sha256(r.data)), sizes.map(() => want));
    assert.deepEqual(results.map((r) => r.stats.dataPackets), sizes.map((b) => Math.floor((1024 * 100) / Number(b)) + 1));
  });

  it('ignores duplicate RRQs from the same address and port', async () => {
    await until(() => srv.server.stats().active === 0, 'earlier transfers to end');
    const done = srv.server.stats().completed;
    srv.records.length = 0;
    const res = await get('start4.elf', { duplicateRrq: 3 });
    assert.equal(sha256(res.data), sha256(fx.files.get('start4.elf')!));
    await until(() => srv.server.stats().active === 0, 'no live transfer');
    assert.equal(srv.server.stats().completed, done + 1);
    assert.deepEqual(recordsFor('start4.elf').map((r) => r.outcome), ['complete']);
  });

  it('answers ERROR 1 for a missing file and records not-found', async () => {
    const res = await get('recovery.elf');
    assert.deepEqual(res.error, { code: 1, message: 'file not found' });
    await until(() => recordsFor('recovery.elf').length === 1, 'transfer record');
    assert.equal(recordsFor('recovery.elf')[0]?.outcome, 'not-found');
  });
});

describe('tftp server reading from disk in chunks', () => {
  // Files above maxFileBytes are read per 64 KiB chunk (64 blocks of 1024):
  // windows of 5 straddle chunk boundaries, and a lost ACK rewinds across one.
  let fx: Fixture;
  let srv: Running;
  before(async () => {
    fx = await makeFixture({ 'initramfs8': 1_000_000 });
    srv = await startServer(fx.dir, {}, { maxBytes: 100_000, maxFileBytes: 10_000 });
  });
  after(async () => {
    await srv.stop();
    await fx.cleanup();
  });

  it('serves a disk-backed file with windows straddling read chunks and a lost ACK', async () => {
    const res = await tftpGet({ host: '127.0.0.1', port: srv.port, path: 'initramfs8', options: { ...pi4, windowsize: '5' }, dropAck: 65 });
    assert.equal(res.retransmitsSeen, 5);
    assert.equal(sha256(res.data), sha256(fx.files.get('initramfs8')!));
    await until(() => srv.records.length === 1, 'record');
    assert.equal(srv.records[0]?.outcome, 'complete');
  });
});

describe('tftp server block-number rollover', () => {
  // 70,000 blocks of 8 bytes: past 65535 the block number wraps to 0.
  const size = 70_000 * 8 + 3;
  let fx: Fixture;
  let srv: Running;
  before(async () => {
    fx = await makeFixture({ 'huge.img': size });
    srv = await startServer(fx.dir);
  });
  after(async () => {
    await srv.stop();
    await fx.cleanup();
  });

  for (const windowsize of ['1', '16']) {
    it(`transfers more than 65535 blocks intact with windowsize ${windowsize}`, async () => {
      const res = await tftpGet({ host: '127.0.0.1', port: srv.port, path: 'huge.img', options: { tsize: '0', blksize: '8', windowsize } });
      assert.equal(res.oack?.tsize, String(size));
      assert.equal(res.bytes, size);
      assert.equal(sha256(res.data), sha256(fx.files.get('huge.img')!));
      assert.equal(res.stats.dataPackets, 70_001);
    });
  }
});

describe('tftp server retransmission pacing', () => {
  let fx: Fixture;
  before(async () => {
    fx = await makeFixture({ 'big.bin': 100 * 1024 });
  });
  after(() => fx.cleanup());
  const ack = (n: number): Buffer => Buffer.from([0, 4, n >> 8, n & 0xff]);
  // Starts a lock-step transfer of big.bin: RRQ, OACK, ACK 0, then DATA 1..n acknowledged at once.
  const lockstep = async (srv: Running, peer: RawPeer, n: number) => {
    peer.send(requestPacket(1, 'big.bin', 'octet', pi4), srv.port);
    const tid = (await peer.next()).port;
    peer.send(ack(0), tid);
    for (let b = 1; b <= n; b++) {
      while ((await peer.next()).msg.readUInt16BE(2) !== b); // skip any copy resent meanwhile
      if (b < n) peer.send(ack(b), tid);
    }
    return tid;
  };

  it('counts a resend the client did not need as spurious', async () => {
    const srv = await startServer(fx.dir);
    const peer = await rawPeer();
    const tid = await lockstep(srv, peer, 20);
    // DATA 20 arrived; its ACK comes late, so the server resends DATA 20 meanwhile.
    assert.equal((await peer.next()).msg.readUInt16BE(2), 20);
    peer.send(ack(20), tid); // for the original
    peer.send(ack(20), tid); // for the resent copy: the server learns it was needless
    await until(() => srv.server.stats().spuriousResends >= 1, 'spurious resend counted');
    assert.ok(srv.server.stats().retransmits >= 1);
    peer.send(errorDatagram(0, 'Early terminate'), tid);
    await peer.close();
    await srv.stop();
  });

  it('keeps retransmitting to a client that answered, until idleTimeoutMs without progress', async () => {
    const srv = await startServer(fx.dir, { maxRetries: 2, rtoMaxMs: 50, idleTimeoutMs: 400 });
    const peer = await rawPeer();
    await lockstep(srv, peer, 1);
    let copies = 0;
    for (;;) {
      const { msg } = await peer.next();
      if (msg.readUInt16BE(0) === 5) break;
      copies++;
    }
    assert.ok(copies > 3, `DATA 1 resent ${copies} times: more than maxRetries once the client has answered`);
    await until(() => srv.records.length === 1, 'record');
    assert.equal(srv.records[0]?.outcome, 'timeout');
    await peer.close();
    await srv.stop();
  });
});
