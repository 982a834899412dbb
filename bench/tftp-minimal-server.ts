// A minimal TFTP server on Node's dgram, the yardstick of bench:tftp --minimal:
// RRQ with blksize/tsize, one connected socket per transfer, packets cut once
// per file and blksize, and nothing else (no retransmission timers, caps,
// telemetry or path checks). Not a server to run: it trusts its loopback
// clients completely.
//
//   node dist/bench/tftp-minimal-server.js ROOT   (prints the port it listens on)
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = process.argv[2] ?? '.';
const packets = new Map<string, Buffer[] | null>();

// Every DATA packet of `name` at `blksize`, or null when there is no such file.
function packetsOf(name: string, blksize: number): Buffer[] | null {
  const key = `${blksize}/${name}`;
  if (!packets.has(key)) {
    let data: Buffer | null = null;
    try {
      data = readFileSync(path.join(root, name));
    } catch {
      /* not found */
    }
    packets.set(key, data && cut(data, blksize));
  }
  return packets.get(key) ?? null;
}

function cut(data: Buffer, blksize: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i <= Math.floor(data.length / blksize); i++) {
    const payload = data.subarray(i * blksize, (i + 1) * blksize);
    const pkt = Buffer.allocUnsafe(4 + payload.length);
    pkt.writeUInt16BE(3, 0);
    pkt.writeUInt16BE((i + 1) & 0xffff, 2);
    payload.copy(pkt, 4);
    out.push(pkt);
  }
  return out;
}

function serve(rrq: Buffer, client: dgram.RemoteInfo, listen: dgram.Socket): void {
  const fields = rrq.subarray(2).toString('latin1').split('\0');
  const [name = '', , ...opts] = fields;
  const options = new Map<string, string>();
  for (let i = 0; i + 1 < opts.length; i += 2) options.set(opts[i]!.toLowerCase(), opts[i + 1]!);
  const blksize = Math.min(Number(options.get('blksize') ?? 512) || 512, 1468);
  const blocks = packetsOf(name, blksize);
  if (!blocks) return void listen.send(Buffer.from('\0\x05\0\x01file not found\0', 'latin1'), client.port, client.address);
  const size = (blocks.length - 1) * blksize + blocks[blocks.length - 1]!.length - 4;
  const oack = options.size ? Buffer.from(`\0\x06blksize\0${blksize}\0${options.has('tsize') ? `tsize\0${size}\0` : ''}`, 'latin1') : null;
  const socket = dgram.createSocket('udp4');
  let acked = oack ? -1 : 0; // -1: waiting for the ACK of the OACK
  const send = () => socket.send(acked < 0 ? oack! : blocks[acked]!);
  socket.on('message', (msg) => {
    if (msg.readUInt16BE(0) !== 4) return void socket.close();
    const wire = msg.readUInt16BE(2);
    const expect = acked < 0 ? 0 : (acked + 1) & 0xffff;
    if (wire !== expect) return send(); // a resent ACK: send again
    acked++;
    if (acked === blocks.length) return void socket.close();
    send();
  });
  socket.bind(0, listen.address().address, () => socket.connect(client.port, client.address, send));
}

const listen = dgram.createSocket('udp4');
listen.on('message', (msg, rinfo) => {
  if (msg.length > 4 && msg.readUInt16BE(0) === 1) serve(msg, rinfo, listen);
});
listen.bind(0, '127.0.0.1', () => console.log(listen.address().port));
