// The link model: the boot network's bottleneck (the server's port on the
// switch) as two serialising queues, one per direction (full duplex). Every
// datagram and HTTP chunk a board sends or receives waits its turn: it
// leaves the queue after all bytes before it, at `bytesPerSecond`, and is
// dropped when the queue already holds `bufferBytes` (a switch's tail drop).
// So a storm is bound by what the network carries, as in a rack, and not by
// loopback. Each datagram also costs `overheadBytes` of Ethernet, IP and UDP
// framing (preamble, header, FCS and inter-frame gap: 38 + 20 + 8).

/** Link settings; bytesPerSecond 0 means unlimited (loopback speed). */
export interface LinkSettings {
  /** Per direction, e.g. 125_000_000 for 1 GbE. */
  bytesPerSecond: number;
  /** Queue bytes per direction before tail drop, default 2 MiB. */
  bufferBytes?: number;
  /** Framing bytes counted per datagram, default 66. */
  overheadBytes?: number;
}

/** Counters of one direction. */
export interface LinkDirectionStats {
  packets: number;
  bytes: number;
  dropped: number;
  /** The longest a packet waited in the queue, in ms. */
  maxQueueMs: number;
}

/** One direction of the link. */
export interface LinkDirection {
  /** Queues `bytes` (payload); `deliver` runs when they have crossed. False when dropped; `reliable` bytes (TCP, which backs off rather than lose) are never dropped. */
  send(bytes: number, deliver: () => void, reliable?: boolean): boolean;
  stats(): LinkDirectionStats;
}

/** The shared link: `up` is boards to server, `down` server to boards. */
export interface Link {
  readonly settings: Required<LinkSettings>;
  readonly up: LinkDirection;
  readonly down: LinkDirection;
}

/** 1 GbE, the usual rack uplink, in bytes per second. */
export const gigabit = 125_000_000;

/** Creates the link; 0 bytes per second delivers at once. */
export function createLink(s: LinkSettings): Link {
  const settings = { bufferBytes: 2 * 1024 * 1024, overheadBytes: 66, ...s };
  if (!(settings.bytesPerSecond >= 0)) throw new RangeError('bytesPerSecond must be >= 0');
  return { settings, up: createDirection(settings), down: createDirection(settings) };
}

function createDirection(s: Required<LinkSettings>): LinkDirection {
  const stats: LinkDirectionStats = { packets: 0, bytes: 0, dropped: 0, maxQueueMs: 0 };
  const msPerByte = s.bytesPerSecond > 0 ? 1000 / s.bytesPerSecond : 0;
  const maxQueueMs = s.bufferBytes * msPerByte;
  // FIFO of departures; times only grow, so the head is always the next due.
  // Timers fire no finer than 1 ms, so what is due within 1 ms leaves now: a
  // lone board's packet crosses at once (as its few microseconds on a real
  // wire), while a queue still drains at the link's rate.
  const at: number[] = [];
  const fns: Array<() => void> = [];
  let head = 0;
  let freeAt = 0; // when the wire is free again
  let armed = false;

  const arm = (): void => {
    if (armed || head >= at.length) return;
    armed = true;
    const wait = at[head]! - performance.now() - 1;
    if (wait <= 0) setImmediate(drain);
    else setTimeout(drain, wait);
  };

  const drain = (): void => {
    armed = false;
    const now = performance.now() + 1;
    while (head < at.length && at[head]! <= now) {
      const fn = fns[head]!;
      fns[head] = noop;
      head++;
      fn();
    }
    if (head > 4096 && head * 2 > at.length) {
      at.splice(0, head);
      fns.splice(0, head);
      head = 0;
    }
    arm();
  };

  return {
    send(bytes, deliver, reliable = false) {
      const wire = bytes + s.overheadBytes;
      if (msPerByte === 0) {
        stats.packets++;
        stats.bytes += wire;
        deliver();
        return true;
      }
      const now = performance.now();
      const start = Math.max(now, freeAt);
      const waited = start - now;
      if (waited > maxQueueMs && !reliable) {
        stats.dropped++;
        return false;
      }
      freeAt = start + wire * msPerByte;
      stats.packets++;
      stats.bytes += wire;
      if (waited > stats.maxQueueMs) stats.maxQueueMs = waited;
      at.push(freeAt);
      fns.push(deliver);
      arm();
      return true;
    },
    stats: () => ({ ...stats }),
  };
}

function noop(): void {}
