// The proxyDHCP capability as bootherd runs it: the configured interface
// turned into an address, the server bound there, bind errors explained.
import os from 'node:os';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { createDhcpServer } from './server.js';
import type { DhcpHandler, DhcpOutcome, DhcpStats } from './types.js';

/** The `dhcp.proxy` settings the server needs. */
export interface ProxyDhcpSettings {
  interface?: string;
  /** The IPv4 address to bind and advertise; default the interface's first. */
  listen?: string;
  port: number;
  pxePort: number;
  clientPort: number;
  replyAddress: string;
  maxPerSecond: number;
  /** Requests a second per client MAC after its burst (default 1). */
  perClientPerSecond?: number;
}

/** Where a started proxyDHCP listens. */
export interface ProxyDhcpInfo {
  interface: string | null;
  address: string;
  port: number;
  pxePort: number;
}

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/** The address the proxy binds and names as server (option 54, siaddr); AppError when the interface is unknown or has no IPv4 address. */
export function proxyAddress(s: Pick<ProxyDhcpSettings, 'interface' | 'listen'>, interfaces: Interfaces = os.networkInterfaces()): { iface: string | null; address: string } {
  if (s.listen) return { iface: s.interface ?? null, address: s.listen };
  if (!s.interface) throw new AppError('config', 'dhcp: the proxy needs an interface (--proxy-dhcp IFACE or dhcp.proxy.interface) or dhcp.proxy.listen');
  const addrs = interfaces[s.interface];
  if (!addrs) throw new AppError('config', `dhcp: no interface named ${s.interface} (have: ${Object.keys(interfaces).join(', ')})`);
  const v4 = addrs.find((a) => a.family === 'IPv4');
  if (!v4) throw new AppError('config', `dhcp: interface ${s.interface} has no IPv4 address; give it one or set dhcp.proxy.listen`);
  return { iface: s.interface, address: v4.address };
}

/** Creates the proxyDHCP: start() binds and resolves to where it listens. */
export function createProxyDhcp(deps: { settings: ProxyDhcpSettings; handler: DhcpHandler; logger: Logger; onOutcome?: (o: DhcpOutcome) => void; allowClient?: (ip: string) => boolean }) {
  const { iface, address } = proxyAddress(deps.settings);
  const s = deps.settings;
  const server = createDhcpServer({
    handler: deps.handler, address, port: s.port, pxePort: s.pxePort, clientPort: s.clientPort, broadcastAddress: s.replyAddress,
    maxPerSecond: s.maxPerSecond, perClientIntervalMs: 1000 / (s.perClientPerSecond ?? 1), logger: deps.logger, onOutcome: deps.onOutcome, allowClient: deps.allowClient,
  });
  return {
    address,
    async start(): Promise<ProxyDhcpInfo> {
      try {
        const bound = await server.start();
        return { interface: iface, ...bound };
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const fix =
          e.code === 'EACCES' ? 'ports 67 and 4011 need root or CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=+ep "$(command -v node)")'
          : e.code === 'EADDRINUSE' ? 'a DHCP server on this host (dnsmasq, dhcpd, kea?) holds the port; run it on another host, or turn the proxy off'
          : e.code === 'EADDRNOTAVAIL' ? `${address} is not an address of this host; fix dhcp.proxy.listen`
          : e.message;
        throw new AppError('bind', `dhcp: cannot listen on ${address} ports ${s.port} and ${s.pxePort}: ${e.code ?? e.message}: ${fix}`, { cause: err });
      }
    },
    stop: () => server.stop(),
    stats: (): DhcpStats => server.stats(),
  };
}

/** The proxy capability. */
export type ProxyDhcp = ReturnType<typeof createProxyDhcp>;
