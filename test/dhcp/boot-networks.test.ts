// The proxyDHCP is held to bootNetworks for every datagram that has a source
// address: the same Pi DISCOVER and the same PXE REQUEST to port 4011, sent
// from 127.0.0.1 with loopback distrusted, get no answer and enroll nothing
// when 127.0.0.1 lies outside the boot networks, and are answered when it
// lies inside. (A client without a lease sends from 0.0.0.0, which no
// address filter can judge; loopback cannot send from there.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { helloPacket, piMachineId, startReplyCatcher, type ReplyCatcher, type SeenReply } from './client.js';

describe('proxyDHCP and bootNetworks', { timeout: 120_000 }, () => {
  let catcher: ReplyCatcher;
  let replies: SeenReply[] = [];
  let clientPort = 0;
  before(async () => {
    catcher = await startReplyCatcher();
    replies = catcher.replies;
    clientPort = catcher.port;
  });
  after(() => catcher.close());

  const start = (bootNetworks: string[]): Promise<TestServer> => {
    const file = path.join(os.tmpdir(), `bootherd-dhcp-nets-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify({ bootNetworks, trustLoopback: false, dhcp: { proxy: { enabled: true, listen: '127.0.0.1', port: 0, pxePort: 0, clientPort, replyAddress: '127.0.0.1', maxPerSecond: 1000 } } }));
    return startTestServer({ config: file });
  };
  const send = (port: number, buf: Buffer) => catcher.send(port, buf);
  const metric = async (srv: TestServer, outcome: string) => {
    const text = String((await srv.api('GET', '/metrics')).body);
    return [...text.matchAll(new RegExp(`bootherd_dhcp_requests_total\\{kind="[a-z0-9-]+",outcome="${outcome}"\\} (\\d+)`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
  };
  const waitFor = async (xid: number, ms: number) => {
    for (let i = 0; i < ms / 50 && !replies.some((r) => r.xid === xid); i++) await new Promise((r) => setTimeout(r, 50));
    return replies.find((r) => r.xid === xid);
  };

  // A Pi 4 DISCOVER to port 67, then a UEFI PXE REQUEST to port 4011, under the given boot networks.
  async function exchange(bootNetworks: string[], xid: number) {
    const srv = await start(bootNetworks);
    try {
      const { port, pxePort } = srv.running.dhcp!;
      const mac = 'dc:a6:32:0b:0e:01';
      await send(port, helloPacket({ mac, xid, machineId: piMachineId('RPi4', 'c03111', mac, 'b0e00001') }));
      await send(pxePort, helloPacket({ mac: '52:54:00:0b:0e:02', xid: xid + 1, message: 3, ciaddr: '127.0.0.1', arch: 7, vendorClass: 'PXEClient:Arch:00007:UNDI:003016' }));
      const pi = await waitFor(xid, 3000);
      const pxe = await waitFor(xid + 1, 1000);
      const nodes = (await srv.api('GET', '/api/v1/nodes')).body.nodes as unknown[];
      return { pi, pxe, nodes, refused: await metric(srv, 'outside-boot-networks') };
    } finally {
      await srv.stop();
    }
  }

  it('a sender outside them gets no answer on either port and enrolls nothing', async () => {
    const r = await exchange(['10.99.0.0/16'], 0x0b0e10);
    assert.equal(r.pi, undefined, 'no offer for the Pi');
    assert.equal(r.pxe, undefined, 'no ACK on port 4011');
    assert.deepEqual(r.nodes, [], 'nothing enrolled');
    assert.equal(r.refused, 2, 'both counted as outside-boot-networks');
  });

  it('the same datagrams from inside them are answered', async () => {
    const r = await exchange(['127.0.0.0/8'], 0x0b0e20);
    assert.ok(r.pi, 'the Pi got its offer');
    assert.equal(r.nodes.length, 1, 'the Pi was enrolled');
    assert.equal(r.refused, 0);
  });
});
