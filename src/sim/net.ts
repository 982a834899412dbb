// A board's network interface: UDP sockets bound to the board's own
// 127.x.y.z address, every datagram through the shared link and the board's
// own loss, nothing sent or received once the board is off.
import dgram from 'node:dgram';
import type { Link } from './link.js';

/** Where a datagram came from or goes to. */
export interface Peer {
  address: string;
  port: number;
}

/** What the wire tap sees: direction, bytes, the far end. */
export type WireTap = (dir: 'up' | 'down', msg: Buffer, peer: Peer, board: string) => void;

/** One board's interface. */
export interface BoardNet {
  /** The board's name, for the tap. */
  name: string;
  /** Its source address (127.0.0.0/8). */
  address: string;
  link: Link;
  /** Share of datagrams lost on the board's cable, both ways (0..1). */
  lossShare: number;
  rng: () => number;
  tap?: WireTap;
}

/** An open UDP socket of a board. */
export interface BoardSocket {
  send(msg: Buffer, to: Peer): void;
  /** Closes once every queued datagram has left. */
  close(): void;
}

/** Opens a UDP socket on the board's address (port 0); closed when `signal` aborts. */
export function openUdp(net: BoardNet, signal: AbortSignal, onMessage: (msg: Buffer, from: Peer) => void): Promise<BoardSocket> {
  const socket = dgram.createSocket({ type: 'udp4', lookup: literalLookup });
  let pending = 0;
  let closing = false;
  let closed = false;
  const reallyClose = () => {
    if (closed) return;
    closed = true;
    signal.removeEventListener('abort', reallyClose);
    socket.close();
  };
  const afterSend = () => {
    if (--pending === 0 && closing) reallyClose();
  };
  socket.on('message', (msg, rinfo) => {
    if (closed || signal.aborted || lost(net)) return;
    const from = { address: rinfo.address, port: rinfo.port };
    net.link.down.send(msg.length, () => {
      if (closed || signal.aborted) return;
      net.tap?.('down', msg, from, net.name);
      onMessage(msg, from);
    });
  });
  socket.on('error', () => reallyClose());
  const handle: BoardSocket = {
    send(msg, to) {
      if (closed || closing || signal.aborted || lost(net)) return;
      pending++;
      const queued = net.link.up.send(msg.length, () => {
        if (closed || signal.aborted) return afterSend();
        net.tap?.('up', msg, to, net.name);
        socket.send(msg, to.port, to.address, afterSend);
      });
      if (!queued) afterSend();
    },
    close() {
      closing = true;
      if (pending === 0) reallyClose();
    },
  };
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    socket.once('error', reject);
    socket.bind(0, net.address, () => {
      socket.off('error', reject);
      signal.addEventListener('abort', reallyClose, { once: true });
      resolve(handle);
    });
  });
}

function lost(net: BoardNet): boolean {
  return net.lossShare > 0 && net.rng() < net.lossShare;
}

// Addresses here are IP literals: skip dns.lookup, which defers every send to the next tick.
function literalLookup(address: string, _family: unknown, cb: (err: Error | null, address: string, family: number) => void): void {
  cb(null, address, 4);
}
