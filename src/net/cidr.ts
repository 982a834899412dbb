// IPv4 CIDR matching for the boot-network limit: shared by the HTTP routes
// and the TFTP server's wiring, so both read `bootNetworks` alike.

function ipv4ToInt(ip: string): number | null {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return null;
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** True if `ip` lies in one of `cidrs` (empty list: everything allowed; loopback always allowed). */
export function inNetworks(ip: string | null, cidrs: string[]): boolean {
  if (cidrs.length === 0 || ip === '::1' || ip?.startsWith('127.')) return true;
  const n = ip ? ipv4ToInt(ip) : null;
  if (n === null) return false;
  return cidrs.some((c) => {
    const [base, bits] = c.split('/') as [string, string];
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return ((ipv4ToInt(base) ?? 0) & mask) === (n & mask);
  });
}
