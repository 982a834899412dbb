// IPv4 CIDR matching for the boot-network limit: shared by the HTTP routes
// and the TFTP server's wiring, so both read `bootNetworks` alike.

function ipv4ToInt(ip: string): number | null {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return null;
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

// An IPv4-mapped IPv6 address (a udp6 socket's view of an IPv4 client) as plain IPv4.
function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(ip: string): boolean {
  const a = unmapped(ip);
  return a === '::1' || a.startsWith('127.');
}

/** True if `ip` lies in one of `cidrs`; no exceptions. */
export function inCidrs(ip: string, cidrs: string[]): boolean {
  const n = ipv4ToInt(unmapped(ip));
  if (n === null) return false;
  return cidrs.some((c) => {
    const [base, bits] = c.split('/') as [string, string];
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return ((ipv4ToInt(base) ?? 0) & mask) === (n & mask);
  });
}

/** True if `ip` lies in one of `cidrs` (empty list: everything allowed; loopback allowed unless `trustLoopback` is false). */
export function inNetworks(ip: string | null, cidrs: string[], trustLoopback = true): boolean {
  return ip === null ? cidrs.length === 0 : bootNetworkFilter(cidrs, trustLoopback)(ip);
}

/** A client filter for the boot networks: everyone when `cidrs` is empty, else those inside (and loopback, if trusted). */
export function bootNetworkFilter(cidrs: string[], trustLoopback: boolean): (ip: string) => boolean {
  return (ip) => cidrs.length === 0 || (trustLoopback && isLoopback(ip)) || inCidrs(ip, cidrs);
}
