// A board's DHCP phase against bootherd's proxyDHCP: DISCOVERs resent on a
// schedule until an acceptable offer arrives or the phase times out.
import { sleepReal } from './clock.js';
import { decodeOffer, encodeDiscover, type DhcpHello, type DhcpOffer } from './dhcp-client.js';
import { openUdp } from './net.js';
import type { BoardContext } from './types.js';

/** When to resend and when to give up, in board ms; the last interval repeats. */
export interface DiscoverSchedule {
  intervalsMs: number[];
  totalMs: number;
}

/** Sends DISCOVERs until `accept` takes an offer; null when the phase timed out (or there is no proxy). */
export async function discover(ctx: BoardContext, hello: Omit<DhcpHello, 'xid' | 'secs'>, accept: (o: DhcpOffer) => boolean, schedule: DiscoverSchedule): Promise<DhcpOffer | null> {
  const dhcp = ctx.network.dhcp;
  if (!dhcp) return null;
  const xid = Math.floor(ctx.net.rng() * 0xffffffff) >>> 0;
  let got: DhcpOffer | null = null;
  let wake: (() => void) | null = null;
  const stop = dhcp.segment.listen(xid, (msg) => {
    if (ctx.net.lossShare > 0 && ctx.net.rng() < ctx.net.lossShare) return;
    ctx.net.link.down.send(msg.length, () => {
      const offer = decodeOffer(msg);
      if (got || ctx.signal.aborted || !offer || !accept(offer)) return;
      ctx.net.tap?.('down', msg, dhcp.server, ctx.net.name);
      got = offer;
      wake?.();
    });
  });
  const socket = await openUdp(ctx.net, ctx.signal, () => undefined);
  const start = ctx.clock.now();
  const deadline = start + ctx.clock.scaled(schedule.totalMs);
  try {
    for (let i = 0; !got && ctx.clock.now() < deadline; i++) {
      const secs = Math.floor((ctx.clock.now() - start) / ctx.clock.scaled(1000));
      socket.send(encodeDiscover({ ...hello, xid, secs: Math.min(secs, 0xffff) }), dhcp.server);
      const interval = ctx.clock.scaled(schedule.intervalsMs[Math.min(i, schedule.intervalsMs.length - 1)]!);
      await new Promise<void>((resolve, reject) => {
        wake = resolve;
        sleepReal(Math.min(interval, Math.max(0, deadline - ctx.clock.now())), ctx.signal).then(resolve, reject);
      });
    }
    return got;
  } finally {
    wake = null;
    stop();
    socket.close();
  }
}
