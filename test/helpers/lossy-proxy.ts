// A lossy UDP proxy for TFTP tests and benchmarks. Clients send to it as to
// the server; it forwards each way, dropping, duplicating and reordering
// datagrams. Every client session (address and port) draws from its own
// PRNG per direction, seeded from the proxy's seed, the client's address and
// how many sessions that address opened before, so a run repeats the same
// losses for the same clients however their packets interleave.
//
// Each session has an upstream socket bound to the client's own address (the
// server sees the client's IP, as without a proxy), and each server TID a
// downstream socket of its own (the client sees one TID per transfer).
import dgram from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';

/** What happens to datagrams in one direction; each a probability 0..1. */
export interface LossModel {
  drop?: number;
  duplicate?: number;
  /** Held back until the next datagram of that session and direction has passed (or reorderMs). */
  reorder?: number;
}

/** Where to forward and how badly. */
export interface LossyProxyOptions {
  target: { host: string; port: number };
  /** Address the proxy listens on, default 127.0.0.1. */
  listen?: string;
  seed?: number;
  toServer?: LossModel;
  toClient?: LossModel;
  /** Longest a reordered datagram is held, default 5 ms. */
  reorderMs?: number;
  /** Sessions silent this long are closed, default 35 s (beyond a Pi's 30 s per file). */
  idleMs?: number;
  /** Called for every datagram with what was done to it (debugging). */
  trace?: (direction: 'toServer' | 'toClient', msg: Buffer, action: 'drop' | 'pass' | 'duplicate' | 'hold') => void;
}

/** Datagrams seen and what was done to them, per direction. */
export interface ProxyCounts {
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

/** A running proxy. */
export interface LossyProxy {
  address: string;
  port: number;
  stats(): { toServer: ProxyCounts; toClient: ProxyCounts; sessions: number };
  close(): Promise<void>;
}

type Send = (msg: Buffer) => void;

// One direction of one session: its PRNG, counters and the datagram held back.
function createLane(seed: number, model: LossModel, counts: ProxyCounts, reorderMs: number, trace?: (msg: Buffer, action: 'drop' | 'pass' | 'duplicate' | 'hold') => void) {
  const random = mulberry32(seed);
  const drop = model.drop ?? 0;
  const dup = drop + (model.duplicate ?? 0);
  const reorder = dup + (model.reorder ?? 0);
  let held: { msg: Buffer; send: Send; timer: NodeJS.Timeout } | null = null;
  const release = (): void => {
    if (!held) return;
    clearTimeout(held.timer);
    held.send(held.msg);
    held = null;
  };
  return {
    pass(msg: Buffer, send: Send): void {
      const r = random();
      trace?.(msg, r < drop ? 'drop' : r < dup ? 'duplicate' : r < reorder && !held ? 'hold' : 'pass');
      if (r < drop) return void counts.dropped++;
      counts.forwarded++;
      if (r < dup) {
        counts.duplicated++;
        send(msg);
        send(msg);
      } else if (r < reorder && !held) {
        counts.reordered++;
        held = { msg, send, timer: setTimeout(release, reorderMs) };
        return;
      } else send(msg);
      release();
    },
    close(): void {
      if (held) clearTimeout(held.timer);
      held = null;
    },
  };
}

type Lane = ReturnType<typeof createLane>;

interface Session {
  client: RemoteInfo;
  up: Socket;
  /** Downstream sockets by server port (the listen port's replies go out of the listen socket). */
  downs: Map<number, Promise<Socket>>;
  /** The same once bound, with their senders: the path every datagram after the first takes. */
  ready: Map<number, Send>;
  /** Sends to the server's listen port. */
  toListen: Send;
  toServer: Lane;
  toClient: Lane;
  lastSeen: number;
}

/** Starts a proxy on a free port in front of `opts.target`. */
export async function startLossyProxy(opts: LossyProxyOptions): Promise<LossyProxy> {
  const listenAddress = opts.listen ?? '127.0.0.1';
  const seed = opts.seed ?? 1;
  const reorderMs = opts.reorderMs ?? 5;
  const idleMs = opts.idleMs ?? 35_000;
  const counts = { toServer: zero(), toClient: zero() };
  const sessions = new Map<string, Session>();
  const opened = new Map<string, number>(); // sessions per client address so far
  const listen = await bound(listenAddress);

  const openSession = async (client: RemoteInfo): Promise<Session> => {
    const n = opened.get(client.address) ?? 0;
    opened.set(client.address, n + 1);
    const up = await bound(client.address);
    const s: Session = {
      client, up, downs: new Map(), ready: new Map(), lastSeen: Date.now(),
      toListen: (m) => send(up, m, opts.target.port, opts.target.host),
      toServer: createLane(hash(`${seed}|${client.address}|${n}|up`), opts.toServer ?? {}, counts.toServer, reorderMs, opts.trace && ((m, a) => opts.trace?.('toServer', m, a))),
      toClient: createLane(hash(`${seed}|${client.address}|${n}|down`), opts.toClient ?? {}, counts.toClient, reorderMs, opts.trace && ((m, a) => opts.trace?.('toClient', m, a))),
    };
    s.ready.set(opts.target.port, (m) => send(listen, m, client.port, client.address));
    up.on('message', (msg, from) => {
      s.lastSeen = Date.now();
      const ready = s.ready.get(from.port);
      if (ready) return s.toClient.pass(msg, ready);
      void downFor(s, from.port).then(() => s.toClient.pass(msg, s.ready.get(from.port)!));
    });
    return s;
  };

  // The socket the client sees as the server's TID `port`.
  const downFor = (s: Session, port: number): Promise<Socket> => {
    let down = s.downs.get(port);
    if (!down) {
      down = bound(listenAddress).then((sock) => {
        const toServer: Send = (m) => send(s.up, m, port, opts.target.host);
        sock.on('message', (msg, from) => {
          if (from.port !== s.client.port || from.address !== s.client.address) return;
          s.lastSeen = Date.now();
          s.toServer.pass(msg, toServer);
        });
        s.ready.set(port, (m) => send(sock, m, s.client.port, s.client.address));
        return sock;
      });
      s.downs.set(port, down);
    }
    return down;
  };

  const pending = new Map<string, Promise<Session>>();
  listen.on('message', (msg, client) => {
    const key = `${client.address}:${client.port}`;
    const live = sessions.get(key);
    if (live) {
      live.lastSeen = Date.now();
      return live.toServer.pass(msg, live.toListen);
    }
    let s = pending.get(key);
    if (!s) {
      s = openSession(client);
      pending.set(key, s);
      void s.then((session) => sessions.set(key, session));
    }
    void s.then((session) => {
      session.lastSeen = Date.now();
      session.toServer.pass(msg, session.toListen);
    });
  });

  const closeSession = (key: string, s: Session): void => {
    sessions.delete(key);
    pending.delete(key);
    s.toServer.close();
    s.toClient.close();
    s.up.close();
    for (const down of s.downs.values()) void down.then((sock) => sock.close());
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, s] of sessions) if (now - s.lastSeen > idleMs) closeSession(key, s);
  }, 1000);
  sweep.unref();

  return {
    address: listenAddress,
    port: listen.address().port,
    stats: () => ({ toServer: { ...counts.toServer }, toClient: { ...counts.toClient }, sessions: sessions.size }),
    async close() {
      clearInterval(sweep);
      await Promise.allSettled(pending.values());
      for (const [key, s] of sessions) closeSession(key, s);
      await new Promise<void>((resolve) => listen.close(() => resolve()));
    },
  };
}

function zero(): ProxyCounts {
  return { forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
}

function bound(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // IP literals only: skip dns.lookup, which defers every send to the next tick.
    const socket = dgram.createSocket({ type: 'udp4', lookup: (host, _o, cb) => cb(null, host, 4) });
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // ICMP port unreachable after a peer left: not our concern
      resolve(socket);
    });
  });
}

function send(socket: Socket, msg: Buffer, port: number, address: string): void {
  try {
    socket.send(msg, port, address);
  } catch {
    /* closed while a reordered datagram was held */
  }
}

// FNV-1a, 32 bits: a seed from a string.
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// A small seeded PRNG (mulberry32): uniform in [0, 1).
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
