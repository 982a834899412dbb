// Pi bootloader behaviour against the server: probes, duplicates, a lost ACK,
// block-number rollover. Uses the Pi-like client from test/helpers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tftpGet } from '../helpers/tftp-client.js';
import { makeFixture, sha256, startServer, until } from './support.js';
import type { Fixture, Running } from './support.js';

const pi4 = { tsize: '0', blksize: '1024' };

describe('tftp server with a Pi-like client', () => {
  let fx: Fixture;
  let srv: Running;
  before(async () => {
    fx = await makeFixture({ 'start4.elf': 2_200_000, 'config.txt': 300, 'big.bin': 600_000, 'exact.bin': 1024 * 4 });
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
});
