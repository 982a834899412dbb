// The proxyDHCP server (PXE 2.1 §2.2, RFC 2131): listen sockets on 67 and
// 4011, admission (strict parsing, PXE clients only, no relays), per-client
// and global rate limits, the handler call, and the offer or ack it answers.
// It never offers an address: yiaddr is always 0.0.0.0.
import dgram from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { silentLogger, type Logger } from '../log.js';
import { createBucket, createKeyedLimiter } from './limits.js';
import { BootOp, DhcpDecodeError, MsgType, Opt, decodePacket, encodePacket, macOf, type DhcpPacket } from './packet.js';
import { encodeVendorOptions, isPxeClient, pxeFacts } from './pxe.js';
import type { DhcpAnswer, DhcpRequest, DhcpServer, DhcpServerOptions, DhcpStats } from './types.js';

type Port = DhcpRequest['port'];

/** Creates a proxyDHCP server answering PXE clients through opts.handler. */
export function createDhcpServer(opts: DhcpServerOptions): DhcpServer {
  const logger = opts.logger ?? silentLogger;
  const clientPort = opts.clientPort ?? 68;
  const broadcast = opts.broadcastAddress ?? '255.255.255.255';
  const maxInFlight = opts.maxInFlight ?? 256;
  const handlerTimeoutMs = opts.handlerTimeoutMs ?? 3000;
  const perClient = createKeyedLimiter({ burst: opts.perClientBurst ?? 16, intervalMs: opts.perClientIntervalMs ?? 1000, maxKeys: opts.maxClients ?? 4096 });
  const global = createBucket(opts.maxPerSecond ?? 500, 1000 / (opts.maxPerSecond ?? 500));
  const inFlight = new Set<string>();
  const counts = { received: 0, answered: 0, dropped: 0 };
  const sockets: { wild?: Socket; send?: Socket; pxe?: Socket } = {};

  const outcome = (kind: string, what: string) => {
    if (what !== 'offered' && what !== 'acked') counts.dropped++;
    opts.onOutcome?.({ kind, outcome: what });
  };

  const onDatagram = (port: Port, msg: Buffer, rinfo: RemoteInfo): void => {
    counts.received++;
    try {
      if (opts.allowClient && rinfo.address !== '0.0.0.0' && !opts.allowClient(rinfo.address)) return outcome('unknown', 'outside-boot-networks');
      const admitted = admit(port, msg, rinfo, opts.address, logger);
      if (typeof admitted === 'string') return outcome('unknown', admitted);
      const { req, pkt } = admitted;
      const key = `${req.mac}|${req.xid}|${port}`;
      if (inFlight.has(key)) return outcome('unknown', 'duplicate');
      const now = Date.now();
      if (!perClient.take(req.mac, now)) return outcome('unknown', 'rate-limited');
      if (inFlight.size >= maxInFlight || !global.take(now)) return outcome('unknown', 'busy');
      inFlight.add(key);
      void answer(req, pkt).finally(() => inFlight.delete(key));
    } catch (err) {
      logger.error('dhcp: datagram handling failed', { err, client: rinfo.address });
    }
  };

  const answer = async (req: DhcpRequest, pkt: DhcpPacket): Promise<void> => {
    let a: DhcpAnswer;
    try {
      a = await withTimeout(opts.handler(req), handlerTimeoutMs);
    } catch (err) {
      logger.error('dhcp: handler failed', { err, mac: req.mac });
      return outcome('unknown', 'error');
    }
    if (!a.reply) return outcome(a.kind, a.reason ?? 'no-answer');
    let datagram: Buffer;
    try {
      datagram = buildReply(req, pkt, a, opts.address);
    } catch (err) {
      logger.error('dhcp: cannot build reply', { err, mac: req.mac });
      return outcome(a.kind, 'error');
    }
    const toClient = req.port === 'pxe' ? { address: req.client.address, port: req.client.port } : { address: pkt.ciaddr !== '0.0.0.0' ? pkt.ciaddr : broadcast, port: clientPort };
    const socket = req.port === 'pxe' ? sockets.pxe : sockets.send;
    if (!socket) return outcome(a.kind, 'error');
    counts.answered++;
    outcome(a.kind, req.port === 'pxe' ? 'acked' : 'offered');
    socket.send(datagram, toClient.port, toClient.address, (err) => {
      if (err) logger.warn('dhcp: send failed', { err, to: toClient.address });
    });
  };

  return {
    async start() {
      const wild = await bind('0.0.0.0', opts.port ?? 67, logger);
      const port = wild.address().port;
      const send = await bind(opts.address, port, logger).catch((err: unknown) => (wild.close(), Promise.reject(err)));
      send.setBroadcast(true);
      const pxe = await bind(opts.address, opts.pxePort ?? 4011, logger).catch((err: unknown) => (wild.close(), send.close(), Promise.reject(err)));
      Object.assign(sockets, { wild, send, pxe });
      wild.on('message', (m, r) => onDatagram('dhcp', m, r));
      send.on('message', (m, r) => onDatagram('dhcp', m, r));
      pxe.on('message', (m, r) => onDatagram('pxe', m, r));
      return { address: opts.address, port, pxePort: pxe.address().port };
    },
    async stop() {
      const all = [sockets.wild, sockets.send, sockets.pxe].filter((s): s is Socket => Boolean(s));
      sockets.wild = sockets.send = sockets.pxe = undefined;
      await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
    stats: (): DhcpStats => ({ ...counts, inFlight: inFlight.size, trackedClients: perClient.size() }),
  };
}

// Everything that can be refused without the handler; a string is the drop reason.
function admit(port: Port, msg: Buffer, rinfo: RemoteInfo, address: string, logger: Logger): { req: DhcpRequest; pkt: DhcpPacket } | string {
  let pkt: DhcpPacket;
  try {
    pkt = decodePacket(msg);
  } catch (err) {
    if (!(err instanceof DhcpDecodeError)) throw err;
    logger.debug('dhcp: malformed datagram', { client: rinfo.address, bytes: msg.length, why: err.message });
    return 'malformed';
  }
  if (pkt.op !== BootOp.request) return 'not-request';
  const mac = macOf(pkt);
  // A multicast or all-zero chaddr is no client's.
  if (!mac || (pkt.chaddr[0]! & 1) === 1 || mac === '00:00:00:00:00:00') return 'bad-chaddr';
  if (pkt.giaddr !== '0.0.0.0') return 'relayed';
  const type = pkt.options.get(Opt.messageType);
  if (!type || type.length !== 1) return 'malformed';
  if (type[0] !== (port === 'dhcp' ? MsgType.discover : MsgType.request)) return 'not-for-proxy';
  const serverId = pkt.options.get(Opt.serverId);
  if (port === 'pxe' && serverId && !(serverId.length === 4 && serverId.join('.') === address)) return 'not-for-proxy';
  const facts = pxeFacts(pkt);
  if (!isPxeClient(facts)) return 'not-pxe';
  const req: DhcpRequest = {
    message: port === 'dhcp' ? 'discover' : 'request', port, mac, xid: pkt.xid,
    client: { address: rinfo.address, port: rinfo.port }, vendorClass: facts.vendorClass!,
    userClasses: facts.userClasses, arches: facts.arches, ndi: facts.ndi, machineId: facts.machineId, bootItem: facts.bootItem,
  };
  return { req, pkt };
}

/** The DHCPOFFER (port 67) or DHCPACK (port 4011) for an answer. */
export function buildReply(req: DhcpRequest, pkt: DhcpPacket, a: DhcpAnswer, address: string): Buffer {
  const r = a.reply!;
  const ip = Buffer.from(address.split('.').map(Number));
  const options: Array<[number, Buffer]> = [
    [Opt.messageType, Buffer.from([req.port === 'pxe' ? MsgType.ack : MsgType.offer])],
    [Opt.serverId, ip],
    [Opt.vendorClass, Buffer.from('PXEClient')],
  ];
  if (r.tftpServer) options.push([Opt.tftpServer, Buffer.from(r.tftpServer, 'latin1')]);
  if (r.vendor) options.push([Opt.vendorSpecific, encodeVendorOptions(r.vendor)]);
  // PXE 2.1: the client's machine identifier is echoed.
  if (req.machineId) options.push([Opt.machineId, Buffer.from(req.machineId)]);
  const max = pkt.options.get(Opt.maxMessageSize);
  const maxSize = max?.length === 2 ? Math.min(1472, Math.max(576, max.readUInt16BE(0))) : 576;
  return encodePacket({
    op: BootOp.reply, xid: pkt.xid, htype: pkt.htype, hlen: pkt.hlen, flags: pkt.flags,
    ciaddr: req.port === 'pxe' ? pkt.ciaddr : '0.0.0.0', siaddr: r.nextServer, chaddr: pkt.chaddr,
    file: r.bootFile ?? '', options,
  }, { maxSize, minSize: 300 });
}

function bind(host: string, port: number, logger: Logger): Promise<Socket> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ address: host, port }, () => {
      socket.removeAllListeners('error');
      socket.on('error', (err) => logger.error('dhcp: socket error', { err, host, port }));
      resolve(socket);
    });
  });
}

// A handler that hangs must not hold a slot: the client will have moved on.
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`handler gave no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
