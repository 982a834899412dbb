// The power interface every driver implements (DESIGN §8): switch one port of
// one device on, off or through a cycle, and ask it what state the port is in.
// Drivers get what they need as params; they import nothing from core, store,
// http or cli.
import type { Logger } from '../log.js';

/** What can be asked of a power driver. */
export type PowerOp = 'on' | 'off' | 'cycle' | 'status';

/** A port's power as the device reports it. */
export type PowerState = 'on' | 'off' | 'unknown';

/** Which outlet, port or system a request is for, and the node behind it (for placeholders and messages). */
export interface PowerTarget {
  port: string;
  node: { id: string; hostname: string | null; mac: string | null };
}

/** What a driver says after a request: `done` false means nobody switched anything yet (manual). */
export interface PowerReply {
  done: boolean;
  detail: string;
  state?: PowerState;
}

/** One power device, as a driver drives it. A refusal or an unreachable device is a thrown PowerDeviceError. */
export interface PowerDriver {
  readonly kind: string;
  on(t: PowerTarget): Promise<PowerReply>;
  off(t: PowerTarget): Promise<PowerReply>;
  cycle(t: PowerTarget): Promise<PowerReply>;
  status(t: PowerTarget): Promise<PowerReply & { state: PowerState }>;
  /** The port a MAC address is seen behind (switches with a forwarding table), or null. */
  findPort?(macs: string[]): Promise<string | null>;
  close?(): Promise<void>;
}

/** What every driver factory gets besides its params. */
export interface DriverDeps {
  logger: Logger;
  /** Waits `ms` (injected so tests of a cycle need not sleep for real). */
  sleep: (ms: number) => Promise<void>;
  /** The controller's name, for messages. */
  name: string;
}

/** The device refused a request or did not answer; `message` says what it said. */
export class PowerDeviceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PowerDeviceError';
  }
}
