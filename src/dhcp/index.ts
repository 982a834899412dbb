// Public surface of bootherd's proxyDHCP (RFC 2131, RFC 3396, RFC 4578,
// PXE 2.1). Decisions where the standards leave a choice:
// - Only DHCPDISCOVERs with option 60 "PXEClient" on port 67, and DHCPREQUESTs
//   to this server on port 4011, reach the handler; everything else is dropped
//   silently (a proxy must never disturb the site's DHCP server).
// - Relayed requests (giaddr set) are dropped: one bootherd serves the L2
//   segment it sits on.
// - Offers go to the limited broadcast address from a socket bound to the
//   interface's address, so Linux sends them out of that interface; requests
//   arrive on a wildcard socket, since broadcasts reach no other. Plain UDP:
//   no raw sockets, no CAP_NET_RAW.
// - A malformed option, a length past the end, an overload inside an
//   overloaded field: the whole datagram is dropped.
export type { DhcpAnswer, DhcpBootReply, DhcpHandler, DhcpOutcome, DhcpRequest, DhcpServer, DhcpServerOptions, DhcpStats, PxeVendorOptions } from './types.js';
export { createDhcpServer } from './server.js';
export { createProxyDhcp, proxyAddress, type ProxyDhcp, type ProxyDhcpInfo, type ProxyDhcpSettings } from './proxy.js';
