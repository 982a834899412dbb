// Binding bootherd's listeners, with errors that say what to do: a port
// another process holds, a privileged port, an address this machine lacks.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError } from '../errors.js';

const privileged = 'need root or CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=+ep "$(command -v node)")';

/** Listens `server` on host:port; a failure is an AppError naming `what` and the `flag` that changes it. */
export function listenHttp(server: Server, host: string, port: number, what: string, flag: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const fix =
        err.code === 'EADDRINUSE' ? `another process holds the port; stop it or choose another with ${flag} HOST:PORT`
        : err.code === 'EACCES' ? `ports below 1024 ${privileged}, or choose another with ${flag} HOST:PORT`
        : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine; fix ${flag}`
        : err.message;
      reject(new AppError('bind', `${what}: cannot listen on ${host}:${port}: ${err.code ?? err.message}: ${fix}`));
    });
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** Runs `start`; a bind failure becomes an AppError for the TFTP listen addresses `where`. */
export async function bindTftp<T>(start: () => Promise<T>, where: string): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const fix =
      e.code === 'EACCES' ? `port 69 needs root or CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=+ep "$(command -v node)"), or choose another with --tftp HOST:PORT`
      : e.code === 'EADDRINUSE' ? 'another TFTP server (dnsmasq, tftpd-hpa?) holds the port; stop it, or choose another with --tftp HOST:PORT, or --no-tftp'
      : e.message;
    throw new AppError('bind', `tftp: cannot listen on ${where}: ${e.code ?? e.message}: ${fix}`);
  }
}
