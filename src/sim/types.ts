// Shared shapes of the simulator: what a board is, how it misbehaves, the
// bootloader's timings, and what the network tells a board.
import type { SimClock } from './clock.js';
import type { DhcpSegment } from './dhcp-client.js';
import type { BoardNet, Peer } from './net.js';

/** A partition on a simulated disk. */
export interface SimPartition {
  name: string;
  number: number;
  partuuid: string;
  fstype: 'vfat' | 'ext4' | 'swap';
  label: string;
  sizeBytes: number;
}

/** A simulated disk; `bootable` when it holds an OS a local boot can start. */
export interface SimDisk {
  name: string;
  sizeBytes: number;
  model: string;
  serial: string;
  transport: 'usb' | 'nvme' | 'sata' | 'mmc';
  removable: boolean;
  partitions: SimPartition[];
  bootable: boolean;
}

/** Board kinds the simulator knows. */
export type BoardKind = 'pi4' | 'pi5' | 'x86';

/** One board's identity and hardware. */
export interface BoardSpec {
  name: string;
  kind: BoardKind;
  /** Its own source address in 127.0.0.0/8. */
  address: string;
  mac: string;
  /** Pi: the 8-hex-digit TFTP prefix (low 32 bits of the serial). */
  serial?: string;
  /** Pi: revision code, e.g. c03111. */
  revision?: string;
  /** x86: SMBIOS UUID and DMI serial. */
  uuid?: string;
  systemSerial?: string;
  model: string;
  cpus: number;
  memoryBytes: number;
  /** Extra NICs (name, mac) besides eth0. */
  extraNics?: Array<{ name: string; mac: string }>;
  disks: SimDisk[];
  misbehave?: Misbehaviour;
  /** Seed of the board's random choices. */
  seed: number;
}

/** Ways a board can go wrong on request. */
export interface Misbehaviour {
  /** Hangs once the firmware stage is loaded (start4.elf and fixup4.dat on a Pi 4). */
  stallAfterFirmware?: boolean;
  /** Stops answering halfway through the kernel. */
  stallMidKernel?: boolean;
  /** Share of datagrams lost on its cable, both ways (0..1). */
  lossShare?: number;
  /** Its agent never talks to bootherd. */
  neverReport?: boolean;
  /** Its deployed OS sends this many heartbeats, then falls silent. */
  stopHeartbeatsAfter?: number;
  /** Sends malformed datagrams and bodies instead of booting. */
  garbage?: boolean;
}

/** Bootloader and board timings in board milliseconds (scaled by the clock). */
export interface BoardTimings {
  /** Pi EEPROM DHCP_TIMEOUT: the whole DHCP phase of one boot loop. */
  dhcpTimeoutMs: number;
  /** Pi EEPROM DHCP_REQ_TIMEOUT: DISCOVER retransmission interval. */
  dhcpReqTimeoutMs: number;
  /** Pi EEPROM TFTP_FILE_TIMEOUT: one file, RRQ to last block. */
  tftpFileTimeoutMs: number;
  /** Silence before the TFTP client resends its last packet (undocumented; about a second). */
  tftpRetransmitMs: number;
  /** From a failed boot loop to the next (the error LED pattern, ~5 s). */
  loopRestartMs: number;
  /** From the kernel loaded to its userspace running. */
  kernelBootMs: number;
  /** Between two heartbeats of a deployed OS. */
  heartbeatMs: number;
  /** Between two install-progress reports. */
  installProgressMs: number;
}

/** The Raspberry Pi defaults (shared/PI-NETBOOT.md) and plausible board figures. */
export const defaultTimings: BoardTimings = {
  dhcpTimeoutMs: 45_000,
  dhcpReqTimeoutMs: 4_000,
  tftpFileTimeoutMs: 30_000,
  tftpRetransmitMs: 1_000,
  loopRestartMs: 5_000,
  kernelBootMs: 4_000,
  heartbeatMs: 30_000,
  installProgressMs: 5_000,
};

/** The Pi bootloader's TFTP habits (shared/PI-NETBOOT.md): duplicate RRQs and ACKs. */
export interface PiQuirks {
  /** Share of RRQs sent twice from the same port. */
  duplicateRrqShare: number;
  /** Share of ACKs sent twice. */
  duplicateAckShare: number;
  /** After a duplicate DATA, ACK the block after it (raspberrypi/firmware#1631). */
  ackAheadOnDuplicate: boolean;
}

/** Quirks on by default: a few duplicates, no ack-ahead (it stalls some servers). */
export const defaultQuirks: PiQuirks = { duplicateRrqShare: 0.02, duplicateAckShare: 0.002, ackAheadOnDuplicate: false };

/** What the boot network tells a board. */
export interface BootNetwork {
  /** bootherd's proxyDHCP and the segment its offers arrive on; null: the site's DHCP names the servers. */
  dhcp: { server: Peer; segment: DhcpSegment } | null;
  /** The TFTP server (without proxyDHCP), and the port TFTP uses in any case (loopback is not port 69). */
  tftp: Peer;
  /** The iPXE chain URL the site's DHCP hands iPXE (without proxyDHCP). */
  chainUrl: string;
  /** bootherd's HTTP base URL (where a garbage board aims). */
  httpUrl: string;
}

/** One thing that happened to a board, at real ms since its simulation began. */
export interface BoardEvent {
  at: number;
  kind: string;
  detail?: Record<string, unknown>;
}

/** What a board remembers across reboots: what its root or disk would hold. */
export interface BoardMemory {
  /** bootherd's URL, from the last agent's command line (what heartbeat.env would say). */
  serverUrl: string | null;
  nodeId: string | null;
  /** The boot token (from a discovery cmdline): what a node's root writer puts in heartbeat.env. */
  bootToken: string | null;
  /** The agent token of its last discovery session. */
  agentToken: string | null;
  /** Which credential bootherd took for heartbeats: the boot token (rootfs unit) or, on an older bootherd, the agent token. */
  heartbeatWith: 'boot-token' | 'agent-token' | null;
}

/** Everything a boot step needs. */
export interface BoardContext {
  spec: BoardSpec;
  net: BoardNet;
  clock: SimClock;
  signal: AbortSignal;
  network: BootNetwork;
  timings: BoardTimings;
  quirks: PiQuirks;
  memory: BoardMemory;
  verify: boolean;
  record(kind: string, detail?: Record<string, unknown>): void;
}
