// Hostile input against a real bootherd with its proxyDHCP on 127.0.0.1:
// 100,000 malformed datagrams (truncated, lengths past the end, overloads,
// op=2, giaddr set, garbage option 97), then a normal exchange still works and
// nothing was enrolled; a flood of DISCOVERs from random MACs is rate-limited
// and the server's state stays bounded.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { helloPacket, piMachineId, startReplyCatcher, type ReplyCatcher, type SeenReply } from './client.js';

const randomMac = () => ['02', ...[...randomBytes(5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');

// One malformed or hostile datagram of each kind, in turn.
function hostile(i: number): Buffer {
  const mac = randomMac();
  // A PC's PXE DISCOVER (option 97 is its GUID): whatever survives the damage enrolls nothing.
  const good = helloPacket({ mac, xid: i, machineId: Buffer.concat([Buffer.from([0]), randomBytes(16)]) });
  const b = Buffer.from(good);
  const end = good.indexOf(255, 240);
  switch (i % 10) {
    case 0: return randomBytes(randomInt(0, 600));
    case 1: return good.subarray(0, randomInt(0, end));
    case 2: { // an option length running past the end
      const at = 240 + randomInt(0, 20);
      b[at + 1] = 255;
      return b.subarray(0, Math.min(b.length, at + 2 + randomInt(0, 200)));
    }
    case 3: return Buffer.concat([good.subarray(0, 240), Buffer.from([52, 1, randomInt(0, 256)]), randomBytes(randomInt(0, 80))]);
    case 4: { // overloaded fields full of junk, or overload nested in file
      Buffer.from([52, 1, 3]).copy(b, 240);
      randomBytes(192).copy(b, 44);
      if (i % 20 === 4) Buffer.from([52, 1, 1, 255]).copy(b, 108);
      return b;
    }
    case 5: return (b[0] = 2, b); // op=2: a reply sent to the server
    case 6: return (Buffer.from([10, 9, 8, 7]).copy(b, 24), b); // giaddr set: relayed
    case 7: { // option 97 of the wrong length, or garbage behind the FourCC
      const bad = i % 20 === 7 ? Buffer.concat([Buffer.from([0, 0x52, 0x50, 0x69, 0x34]), randomBytes(randomInt(0, 40))]) : Buffer.concat([Buffer.from([0, 0x52, 0x50, 0x69, 0x34]), randomBytes(12)]);
      return helloPacket({ mac, xid: i, machineId: bad });
    }
    case 8: return helloPacket({ mac, xid: i, machineId: piMachineId('RPi4', 'c03111', randomMac(), '0000beef') }); // another board's MAC
    default: { // random bit flips in a PXE DISCOVER
      for (let k = 0; k < 4; k++) {
        const at = randomInt(236, b.length);
        b[at] = b[at]! ^ (1 << randomInt(0, 8));
      }
      return b;
    }
  }
}

async function start(maxPerSecond: number, clientPort: number): Promise<TestServer> {
  const dir = path.join(os.tmpdir(), `bootherd-dhcp-fuzz-${randomBytes(4).toString('hex')}.json`);
  // Boot admission would leave most of the flood's Pis unanswered on purpose; these tests count offers against enrollments.
  writeFileSync(dir, JSON.stringify({ dhcp: { proxy: { enabled: true, listen: '127.0.0.1', port: 0, pxePort: 0, clientPort, replyAddress: '127.0.0.1', maxPerSecond } }, admission: { enabled: false } }));
  return startTestServer({ config: dir });
}

describe('proxyDHCP under hostile input', { timeout: 300_000 }, () => {
  let catcher: ReplyCatcher;
  let replies: SeenReply[] = [];
  let clientPort = 0;
  before(async () => {
    catcher = await startReplyCatcher();
    replies = catcher.replies;
    clientPort = catcher.port;
  });
  after(() => catcher.close());

  const metric = async (srv: TestServer, re: RegExp) => {
    const text = String((await srv.api('GET', '/metrics')).body);
    return [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  };
  const send = (port: number, buf: Buffer) => catcher.send(port, buf);

  it('100,000 malformed datagrams: no crash, nothing enrolled, then a Pi still gets its offer', async (t) => {
    const srv = await start(1_000_000, clientPort);
    try {
      const { port, pxePort } = srv.running.dhcp!;
      for (let i = 0; i < 100_000; i++) {
        await send(i % 7 === 0 ? pxePort : port, hostile(i));
        if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 500));
      const seen = await metric(srv, /bootherd_dhcp_requests_total\{[^}]*\} (\d+)/g);
      t.diagnostic(`the server saw ${seen} of 100,000 datagrams`);
      assert.ok(seen >= 50_000, `the server saw ${seen} of 100,000 datagrams`);
      assert.equal(await metric(srv, /bootherd_dhcp_requests_total\{kind="pi",outcome="offered"\} (\d+)/g), 0, 'no garbage was answered');
      assert.ok(await metric(srv, /bootherd_dhcp_requests_total\{kind="pi",outcome="bad-option-97"\} (\d+)/g) > 0, 'hostile option 97s reached the route and were refused');
      assert.deepEqual((await srv.api('GET', '/api/v1/nodes')).body.nodes, [], 'nothing enrolled from garbage');

      replies.length = 0;
      const mac = 'dc:a6:32:01:36:c2';
      await send(port, helloPacket({ mac, xid: 0xfeed, machineId: piMachineId('RPi4', 'c03111', mac, '9ffefdef') }));
      for (let i = 0; i < 100 && !replies.some((r) => r.xid === 0xfeed); i++) await new Promise((r) => setTimeout(r, 50));
      const offer = replies.find((r) => r.xid === 0xfeed);
      assert.ok(offer, 'the Pi got an offer after the storm');
      assert.match(offer.opt43 ?? '', /52617370626572727920506920426f6f74/);
      const node = await srv.api('GET', '/api/v1/nodes/9ffefdef');
      assert.equal(node.status, 200);
      assert.deepEqual(node.body.identity.macs, [mac]);
      assert.equal((await srv.api('GET', '/api/v1/nodes')).body.nodes.length, 1);
    } finally {
      await srv.stop();
    }
  });

  it('a DISCOVER flood from random MACs is rate-limited and its state stays bounded', async () => {
    const srv = await start(500, clientPort);
    try {
      const { port } = srv.running.dhcp!;
      const sent = 20_000;
      for (let i = 0; i < sent; i++) {
        const mac = randomMac();
        // Every tenth claims to be a Pi with a serial of its own.
        await send(port, helloPacket({ mac, xid: i, machineId: i % 10 === 0 ? piMachineId('RPi4', 'c03111', mac, randomBytes(4).toString('hex')) : undefined, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' }));
        if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 500));
      const busy = await metric(srv, /bootherd_dhcp_requests_total\{kind="unknown",outcome="busy"\} (\d+)/g);
      const offered = await metric(srv, /bootherd_dhcp_requests_total\{kind="[a-z0-9-]+",outcome="offered"\} (\d+)/g);
      assert.ok(busy > 0, 'the flood hit the rate limit');
      assert.ok(offered < sent, `${offered} answered of ${sent}`);
      const clients = await metric(srv, /bootherd_dhcp_state\{what="clients"\} (\d+)/g);
      assert.ok(clients <= 4096, `${clients} client MACs tracked`);
      const count = (await srv.api('GET', '/api/v1/nodes?limit=10000')).body.nodes.length as number;
      const piOffers = await metric(srv, /bootherd_dhcp_requests_total\{kind="pi",outcome="offered"\} (\d+)/g);
      assert.ok(count <= piOffers && count < sent / 10, `${count} nodes enrolled, ${piOffers} Pi offers`);
    } finally {
      await srv.stop();
    }
  });
});
