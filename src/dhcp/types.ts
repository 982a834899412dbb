// Public types of the proxyDHCP server. The server knows nothing about nodes:
// the product decides what each PXE client boots through a DhcpHandler.
import type { Logger } from '../log.js';

/** One admitted PXE request as the handler sees it. */
export interface DhcpRequest {
  /** DHCPDISCOVER on port 67, or DHCPREQUEST to the PXE boot-server port 4011. */
  message: 'discover' | 'request';
  port: 'dhcp' | 'pxe';
  /** chaddr as a lowercase colon MAC. */
  mac: string;
  xid: number;
  client: { address: string; port: number };
  /** Option 60 as text ("PXEClient:Arch:00000:UNDI:002001"). */
  vendorClass: string;
  /** Option 77: RFC 3004 list, or iPXE's single bare string. */
  userClasses: string[];
  /** Option 93 (RFC 4578 §2.1): client system architectures, empty when absent. */
  arches: number[];
  /** Option 94: network device interface. */
  ndi: { type: number; major: number; minor: number } | null;
  /** Option 97 with its leading type byte (17 bytes), or null. */
  machineId: Uint8Array | null;
  /** The boot item asked for in option 43 sub-option 71 (boot-server requests). */
  bootItem: { type: number; layer: number } | null;
}

/** PXE vendor options (option 43 sub-options) for an answer. */
export interface PxeVendorOptions {
  /** Sub-option 6: PXE_DISCOVERY_CONTROL bits. */
  discoveryControl?: number;
  /** Sub-option 10: menu prompt (timeout in seconds, text). */
  menuPrompt?: { timeout: number; text: string };
  /** Sub-option 9: boot menu items. */
  bootMenu?: Array<{ type: number; description: string }>;
  /** Sub-option 71: the boot item answered. */
  bootItem?: { type: number; layer: number };
}

/** What to tell a PXE client; the server adds the DHCP and PXE framing. */
export interface DhcpBootReply {
  /** siaddr: the TFTP server. */
  nextServer: string;
  /** The file field: a TFTP path or an http:// URL. */
  bootFile?: string;
  /** Option 66 (TFTP server name). */
  tftpServer?: string;
  /** Option 43, encoded by the server. */
  vendor?: PxeVendorOptions;
}

/** The handler's answer: a reply, or silence. `kind` names the client for metrics. */
export interface DhcpAnswer {
  kind: string;
  reply: DhcpBootReply | null;
  /** Why there is no reply (metrics outcome), e.g. 'step-aside'. */
  reason?: string;
}

/** Decides what a PXE client boots; a throw is logged and the client gets no answer. */
export type DhcpHandler = (req: DhcpRequest) => Promise<DhcpAnswer>;

/** How a request ended, for metrics. */
export interface DhcpOutcome {
  kind: string;
  outcome: string;
}

/** Configuration of createDhcpServer. */
export interface DhcpServerOptions {
  handler: DhcpHandler;
  /** This server's address on the boot network: bound for sending, option 54, default siaddr. */
  address: string;
  /** DHCP server port, default 67 (0: any free port, tests). */
  port?: number;
  /** PXE boot-server port, default 4011 (0: any free port). */
  pxePort?: number;
  /** Where offers go: the client port (68) of the limited broadcast address. */
  clientPort?: number;
  broadcastAddress?: string;
  /** Handler calls under way at once, default 256; beyond, requests are dropped. */
  maxInFlight?: number;
  /** Requests per client MAC: a burst, then one per `perClientIntervalMs`. */
  perClientBurst?: number;
  perClientIntervalMs?: number;
  /** Client MACs remembered for rate limiting, default 4096 (oldest forgotten first). */
  maxClients?: number;
  /** Requests handed to the handler per second, all clients together, default 500. */
  maxPerSecond?: number;
  /** How long the handler may take, default 3000 ms (clients wait ~4 s). */
  handlerTimeoutMs?: number;
  /**
   * Senders allowed by address (the boot networks). Only datagrams with a source address are
   * held to it: a client without a lease sends from 0.0.0.0 and cannot be told apart by address.
   */
  allowClient?: (ip: string) => boolean;
  logger?: Logger;
  onOutcome?: (o: DhcpOutcome) => void;
}

/** Counters and state sizes since start(). */
export interface DhcpStats {
  received: number;
  answered: number;
  dropped: number;
  inFlight: number;
  trackedClients: number;
}

/** A running (or stopped) proxyDHCP server. */
export interface DhcpServer {
  /** Binds port 67 (wildcard, for broadcasts, and the address, for sending) and 4011; resolves to the ports bound. */
  start(): Promise<{ address: string; port: number; pxePort: number }>;
  stop(): Promise<void>;
  stats(): DhcpStats;
}
