// A small QMP client: connects to a QEMU's QMP socket, negotiates
// capabilities and runs one command (stop, cont, system_reset, quit).
import { createConnection, createServer } from 'node:net';

/** Runs `command` on the QMP socket at `socketPath`; resolves with its `return` value. */
export function qmp(socketPath: string, command: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    const timer = setTimeout(() => (sock.destroy(), reject(new Error(`qmp ${command}: no answer`))), 10_000);
    let buf = '';
    let step = 0;
    sock.on('error', (err) => (clearTimeout(timer), reject(err)));
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl)) as { QMP?: unknown; return?: unknown; error?: { desc: string }; event?: string };
        buf = buf.slice(nl + 1);
        if (msg.event) continue;
        if (msg.error) return void (clearTimeout(timer), sock.destroy(), reject(new Error(`qmp ${command}: ${msg.error.desc}`)));
        if (step === 0 && msg.QMP) (step = 1), sock.write('{"execute":"qmp_capabilities"}\n');
        else if (step === 1) (step = 2), sock.write(JSON.stringify({ execute: command }) + '\n');
        else if (step === 2) return void (clearTimeout(timer), sock.end(), resolve(msg.return));
      }
    });
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
