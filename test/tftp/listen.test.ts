// Several listen addresses (one per boot VLAN): each answers, and each
// transfer is answered from the address its RRQ arrived on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tftpGet } from '../helpers/tftp-client.js';
import { makeFixture, sha256, startServer } from './support.js';
import type { Fixture, Running } from './support.js';

describe('tftp server with two listen addresses', () => {
  let fx: Fixture;
  let srv: Running;
  before(async () => {
    fx = await makeFixture({ 'start4.elf': 100_000 });
    srv = await startServer(fx.dir, { listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.2', port: 0 }] });
  });
  after(async () => {
    await srv.stop();
    await fx.cleanup();
  });

  it('answers on each address from that address', async () => {
    assert.deepEqual(srv.addresses.map((a) => a.address), ['127.0.0.1', '127.0.0.2']);
    for (const { address, port } of srv.addresses) {
      const res = await tftpGet({ host: address, port, path: 'start4.elf', options: { tsize: '0', blksize: '1024' } });
      assert.equal(sha256(res.data), sha256(fx.files.get('start4.elf')!));
      assert.equal(res.server?.address, address);
      assert.notEqual(res.server?.port, port, 'a transfer uses its own port (TID)');
    }
    assert.deepEqual(srv.requests.map((r) => r.localAddress), ['127.0.0.1', '127.0.0.2']);
  });
});

describe('tftp server on the wildcard address', () => {
  it('serves 127.0.0.1 when listening on 0.0.0.0', async () => {
    const fx = await makeFixture({ 'config.txt': 700 });
    const srv = await startServer(fx.dir, { listen: [{ host: '0.0.0.0', port: 0 }] });
    try {
      const res = await tftpGet({ host: '127.0.0.1', port: srv.port, path: 'config.txt' });
      assert.equal(sha256(res.data), sha256(fx.files.get('config.txt')!));
    } finally {
      await srv.stop();
      await fx.cleanup();
    }
  });
});
