// npm run bench:dhcp — a DISCOVER storm from N simulated PXE clients (half
// Pi 4s with option 97, the rest BIOS PXE ROMs and iPXE) against a real
// `bootherd serve` with its proxyDHCP on 127.0.0.1. Prints answers per second
// and DISCOVER-to-offer p50/p99, for new boards (enrolled from option 97) and
// known ones, with the default rate limit and with it lifted. Clients
// retransmit after 1 s, as PXE clients do. Options: --clients N (1000),
// --window W (64): how many clients are waiting for their offer at a time.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServe } from '../test/helpers/process.js';
import { helloPacket, piMachineId } from '../test/dhcp/client.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '1000' }, window: { type: 'string', default: '64' } } });
const n = Number(values.clients);
const window = Number(values.window);
const hex = (v: number, w: number) => v.toString(16).padStart(w, '0');
const macOf = (i: number) => `dc:a6:32:${hex(i >> 16, 2)}:${hex((i >> 8) & 0xff, 2)}:${hex(i & 0xff, 2)}`;

function hello(i: number, xid: number): Buffer {
  const mac = macOf(i);
  if (i % 2 === 0) return helloPacket({ mac, xid, machineId: piMachineId('RPi4', 'c03111', mac, hex(0x20000000 + i, 8)) });
  if (i % 5 === 1) return helloPacket({ mac: `52:54:${mac.slice(6)}`, xid, userClass: 'iPXE' });
  return helloPacket({ mac: `52:54:${mac.slice(6)}`, xid, machineId: Buffer.concat([Buffer.from([0]), randomBytes(16)]) });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

// Each of the n clients sends one DISCOVER (retransmitted after 1 s, as PXE
// clients do) and waits for its offer; `window` clients are booting at a time.
async function storm(socket: dgram.Socket, port: number, round: number, window: number): Promise<{ answered: number; seconds: number; p50: number; p99: number; retransmits: number }> {
  const waiting = new Map<number, { i: number; t0: number; timer: NodeJS.Timeout; tries: number }>();
  const latency: number[] = [];
  let next = 0;
  let retransmits = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const launch = () => {
    while (waiting.size < window && next < n) {
      const i = next++;
      const xid = ((round << 24) | i) >>> 0;
      const entry = { i, t0: performance.now(), tries: 0, timer: undefined as unknown as NodeJS.Timeout };
      const send = () => {
        socket.send(hello(i, xid), port, '127.0.0.1');
        entry.timer = setTimeout(() => {
          if (++entry.tries > 4) return (waiting.delete(xid), launch(), waiting.size === 0 && next >= n && done());
          retransmits++;
          send();
        }, 1000);
      };
      waiting.set(xid, entry);
      send();
    }
  };
  const onMessage = (m: Buffer) => {
    const xid = m.readUInt32BE(4);
    const e = waiting.get(xid);
    if (!e) return;
    clearTimeout(e.timer);
    waiting.delete(xid);
    latency.push(performance.now() - e.t0);
    launch();
    if (waiting.size === 0 && next >= n) done();
  };
  socket.on('message', onMessage);
  const start = performance.now();
  launch();
  await finished;
  const seconds = (performance.now() - start) / 1000;
  socket.off('message', onMessage);
  const sorted = latency.sort((a, b) => a - b);
  return { answered: latency.length, seconds, p50: pct(sorted, 50), p99: pct(sorted, 99), retransmits };
}

async function run(maxPerSecond: number, label: string): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-dhcp-'));
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const config = path.join(dataDir, 'bench.json');
  writeFileSync(config, JSON.stringify({ dhcp: { proxy: { enabled: true, listen: '127.0.0.1', port: 0, pxePort: 0, clientPort: socket.address().port, replyAddress: '127.0.0.1', maxPerSecond } } }));
  const srv = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--config', config, '--log-level', 'error']);
  try {
    const port = Number(/UDP (\d+) and \d+/.exec(srv.output())![1]);
    for (const [round, what] of [[1, 'new boards (Pis enrolled from option 97)'], [2, 'known boards']] as const) {
      const r = await storm(socket, port, round, window);
      console.log(`${label.padEnd(24)} ${what.padEnd(41)} ${String(r.answered).padStart(5)}/${n} answered in ${r.seconds.toFixed(2)} s  ${(r.answered / r.seconds).toFixed(0).padStart(6)} answers/s  DISCOVER->offer p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  retransmits ${r.retransmits}`);
    }
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    socket.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench:dhcp  node ${process.version}, ${os.cpus().length} cores, ${n} clients (1/2 Pi 4 with option 97, 1/10 iPXE, the rest BIOS PXE), ${window} booting at a time, loopback, SQLite WAL synchronous=FULL`);
  await run(500, 'default limit (500/s)');
  await run(1_000_000, 'rate limit lifted');
}

void main();
