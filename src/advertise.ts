// The address booting nodes use to reach bootherd: configured, the HTTP host,
// or else guessed from this machine's interfaces, with a warning naming the
// candidates and how to choose.
import os from 'node:os';

/** The advertise address and how it was chosen. */
export interface Advertise {
  host: string;
  /** Not configured: taken from the interfaces (or 127.0.0.1 when there is none). */
  guessed: boolean;
  /** Non-loopback IPv4 addresses of this machine, in interface order. */
  candidates: Array<{ iface: string; address: string }>;
}

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/** Chooses the advertise address from the configuration, else from `interfaces`. */
export function resolveAdvertise(config: { advertise?: string; http: { host: string } }, interfaces: Interfaces = os.networkInterfaces()): Advertise {
  const candidates = Object.entries(interfaces).flatMap(([iface, addrs]) => (addrs ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => ({ iface, address: a.address })));
  if (config.advertise) return { host: config.advertise, guessed: false, candidates };
  if (config.http.host !== '0.0.0.0' && config.http.host !== '::') return { host: config.http.host, guessed: false, candidates };
  return { host: candidates[0]?.address ?? '127.0.0.1', guessed: true, candidates };
}

/** The warning for a guessed address; null when it was configured. */
export function advertiseWarning(a: Advertise): string | null {
  if (!a.guessed) return null;
  const how = 'set --advertise HOST (advertise in the config file, or BOOTHERD_ADVERTISE) to the address of the boot network';
  if (a.candidates.length === 0) return `warning: advertise address: this machine has no non-loopback IPv4 address, so booting nodes are told 127.0.0.1, which they cannot reach; ${how}`;
  const list = a.candidates.map((c) => `${c.address} (${c.iface})`).join(', ');
  return `warning: advertise address guessed: ${a.host}, the first of ${list}; booting nodes are told to fetch from it: if that is not the boot network, ${how}`;
}
