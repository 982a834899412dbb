// A board that sends garbage instead of booting: random and malformed
// datagrams to the TFTP and DHCP ports, hostile RRQs, and bodies bootherd
// must refuse (bad JSON, wrong shapes, bogus tokens). bootherd must answer
// or drop each and lose nothing else: the other boards must not notice.
import { hang } from './clock.js';
import type { BoardHttp } from './http-client.js';
import { openUdp, type BoardSocket, type Peer } from './net.js';
import { piOption97, encodeDiscover } from './dhcp-client.js';
import type { BoardContext } from './types.js';

/** Rounds of garbage sent before the board falls silent. */
const rounds = 20;

/** Sends `rounds` bursts of garbage at board-time second intervals, then hangs until power off. */
export async function sendGarbage(ctx: BoardContext, http: BoardHttp, httpUrl: string): Promise<never> {
  const socket = await openUdp(ctx.net, ctx.signal, () => undefined);
  const rnd = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(ctx.net.rng() * 256)));
  try {
    for (let i = 0; i < rounds; i++) {
      udpGarbage(ctx, socket, rnd);
      await httpGarbage(http, httpUrl, rnd);
      await ctx.clock.sleep(1000, ctx.signal);
    }
    ctx.record('garbage-sent', { rounds });
  } finally {
    socket.close();
  }
  return hang(ctx.signal);
}

function udpGarbage(ctx: BoardContext, socket: BoardSocket, rnd: (n: number) => Buffer): void {
  const tftp: Peer = ctx.network.tftp;
  const rrq = (s: string) => Buffer.concat([Buffer.from([0, 1]), Buffer.from(s, 'latin1')]);
  for (const msg of [
    rnd(1 + Math.floor(ctx.net.rng() * 600)),
    rrq('../../../etc/passwd\0octet\0'),
    rrq(`${ctx.spec.serial ?? 'x'}/start4.elf\0octet\0tsize\0`),
    rrq('start4.elf\0octet\0blksize\x00999999999\0tsize\0-1\0windowsize\0'),
    Buffer.concat([Buffer.from([0, 2]), Buffer.from('config.txt\0octet\0')]),
    Buffer.from([0, 4, 0, 1]),
    Buffer.from([0, 5, 0, 0]),
  ]) socket.send(msg, tftp);
  const dhcp = ctx.network.dhcp?.server;
  if (!dhcp) return;
  const good = encodeDiscover({ mac: ctx.spec.mac, xid: 1, arch: 0, machineId: piOption97('RPi4', 'c03111', '00:11:22:33:44:55', 'ffffffff') });
  socket.send(good.subarray(0, 200 + Math.floor(ctx.net.rng() * 100)), dhcp);
  const bad = Buffer.from(good);
  bad[245] = 250; // an option length past the end
  socket.send(bad, dhcp);
  socket.send(rnd(300), dhcp);
}

async function httpGarbage(http: BoardHttp, url: string, rnd: (n: number) => Buffer): Promise<void> {
  const tries: Array<[string, string, string | undefined, string | null]> = [
    ['POST', '/api/v1/discovery', '{"nics": [', null],
    ['POST', '/api/v1/discovery', JSON.stringify({ nics: 'eth0', serial: 42 }), null],
    ['POST', '/api/v1/discovery', rnd(512).toString('latin1'), null],
    ['POST', '/api/v1/agent/report', JSON.stringify({ kind: 'heartbeat' }), 'no.such-token'],
    ['GET', '/api/v1/agent/next', undefined, rnd(24).toString('base64url')],
    ['GET', '/ipxe?mac=%00%0a&uuid=../../', undefined, null],
    ['GET', '/boot/../../etc/passwd', undefined, null],
  ];
  for (const [method, p, body, token] of tries) await http.request(method, url + p, { body, token }).catch(() => undefined);
}
