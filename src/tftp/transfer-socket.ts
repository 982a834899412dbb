// The socket of one transfer: a fresh port (its TID, RFC 1350 §4) on the
// address the RRQ arrived on, connected to the client so the kernel filters
// other senders.
import dgram from 'node:dgram';
import type { Socket } from 'node:dgram';

/** Opens a UDP socket on `host`, port 0, connected to the client. */
export async function openTransferSocket(host: string, client: { address: string; port: number }): Promise<Socket> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port: 0 }, () => {
        socket.connect(client.port, client.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    });
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}
