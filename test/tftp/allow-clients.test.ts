// The client allow-list: the server refuses addresses its allowClient
// rejects with ERROR 2, and bootherd wires it to bootNetworks. 127.0.0.0/8 is
// all local on Linux, so a client socket bound to 127.0.0.5 is a second
// source address; trustLoopback: false holds loopback to the limit too.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootNetworkFilter } from '../../src/net/cidr.js';
import { tftpGet } from '../helpers/tftp-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeFixture, sha256, startServer, until } from './support.js';
import type { Fixture, Running } from './support.js';

const pi4 = { tsize: '0', blksize: '1024' };

describe('bootNetworkFilter', () => {
  const nets = ['10.99.0.0/16', '192.168.7.0/24'];
  const cases: Array<[string, string[], boolean, boolean]> = [
    ['10.99.3.4', nets, true, true],
    ['10.98.3.4', nets, true, false],
    ['192.168.7.255', nets, true, true],
    ['::ffff:10.99.0.1', nets, true, true],
    ['::ffff:10.1.0.1', nets, true, false],
    ['127.0.0.5', nets, true, true],
    ['127.0.0.5', nets, false, false],
    ['::1', nets, false, false],
    ['::ffff:127.0.0.1', nets, true, true],
    ['fe80::1', nets, true, false],
    ['10.1.2.3', [], false, true],
  ];
  for (const [ip, cidrs, trustLoopback, want] of cases) {
    it(`${ip} in ${cidrs.join(',') || '(none)'}${trustLoopback ? '' : ', loopback not trusted'}: ${want}`, () => assert.equal(bootNetworkFilter(cidrs, trustLoopback)(ip), want));
  }
});

describe('tftp server allowClient', () => {
  let fx: Fixture;
  let srv: Running;
  const seen: string[] = [];
  before(async () => {
    fx = await makeFixture({ 'start4.elf': 100_000 });
    srv = await startServer(fx.dir, { allowClient: (a) => (seen.push(a), a === '127.0.0.1') });
  });
  after(async () => {
    await srv.stop();
    await fx.cleanup();
  });

  it('answers a refused client ERROR 2, counts it denied and never asks the handler', async () => {
    const res = await tftpGet({ host: '127.0.0.1', port: srv.port, path: 'start4.elf', options: pi4, localAddress: '127.0.0.5' });
    assert.deepEqual(res.error, { code: 2, message: 'access violation' });
    assert.equal(res.bytes, 0);
    assert.deepEqual(seen, ['127.0.0.5']);
    assert.equal(srv.requests.length, 0);
    await until(() => srv.records.length === 1, 'record');
    assert.deepEqual([srv.records[0]?.outcome, srv.records[0]?.client.address], ['denied', '127.0.0.5']);
    assert.equal(srv.server.stats().denied, 1);
  });

  it('serves an allowed client', async () => {
    const res = await tftpGet({ host: '127.0.0.1', port: srv.port, path: 'start4.elf', options: pi4 });
    assert.equal(sha256(res.data), sha256(fx.files.get('start4.elf')!));
  });
});

describe('bootherd limits TFTP to bootNetworks', () => {
  let fx: Fixture;
  const servers: TestServer[] = [];
  before(async () => {
    fx = await makeFixture({ 'firmware/start4.elf': 50_000 });
    await writeFile(path.join(fx.dir, 'strict.yaml'), 'trustLoopback: false\n');
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await fx.cleanup();
  });
  // bootherd with TFTP on, the boot network 127.0.0.0/30 (127.0.0.1 inside, 127.0.0.5 outside).
  const start = async (extra: Record<string, string> = {}) => {
    const s = await startTestServer({ 'no-tftp': false, tftp: '127.0.0.1:0', 'boot-network': '127.0.0.0/30', 'firmware-dir': path.join(fx.dir, 'firmware'), ...extra });
    servers.push(s);
    return (from: string) => tftpGet({ host: '127.0.0.1', port: s.running.tftp[0]!.port, path: 'start4.elf', options: pi4, localAddress: from });
  };

  it('refuses a loopback client outside them when trustLoopback is false', async () => {
    const get = await start({ config: path.join(fx.dir, 'strict.yaml') });
    assert.deepEqual((await get('127.0.0.5')).error, { code: 2, message: 'access violation' });
    const inside = await get('127.0.0.1');
    assert.equal(sha256(inside.data), sha256(fx.files.get('firmware/start4.elf')!));
  });

  it('serves every loopback client by default', async () => {
    const get = await start();
    const res = await get('127.0.0.5');
    assert.equal(res.error, null);
    assert.equal(sha256(res.data), sha256(fx.files.get('firmware/start4.elf')!));
  });
});
