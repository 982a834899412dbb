// Retransmission timeouts from measured round trips (RFC 6298): per transfer,
// SRTT and RTTVAR give RTO = SRTT + max(G, 4 * RTTVAR), doubled per timeout,
// kept between a floor and a cap. Callers feed only round trips of packets
// sent once (Karn's rule); a backed-off RTO stays until such a sample comes.
//
// The floor is per client and learns from the client's own acknowledgements
// (after RFC 4015's idea of answering a spurious timeout): a retransmission
// the client turns out not to have needed doubles it, one it needed lowers it
// a little. A link that loses packets keeps the floor low, so losses are
// repaired quickly; a client whose answers come late in bursts (a busy host,
// not a lost packet) drives it up until needless duplicates stay rare.

/** Bounds of one transfer's estimator, in milliseconds. */
export interface RtoLimits {
  /** Before any sample (RFC 6298 says 1 s). */
  initialMs: number;
  /** The floor to start with (setFloor changes it). */
  minMs: number;
  maxMs: number;
}

/** A per-transfer RTT estimator. */
export interface RttEstimator {
  /** The current retransmission timeout, ms. */
  rto(): number;
  /** One measured round trip of a packet that was sent once, ms. */
  sample(ms: number): void;
  /** Doubles the timeout after a retransmission (RFC 6298 §5.5). */
  backoff(): void;
  /** A new floor (the client's, as it learns), applied at once. */
  setFloor(ms: number): void;
}

/** Clock granularity G: Node's timers count whole milliseconds. */
const granularityMs = 1;

// A class rather than a closure: it is read and written on every ACK, and
// V8 keeps an object's number fields in place where a closure's variables
// would take a fresh heap number per store. The RTO is worked out when an
// input changes, so reading it costs nothing.
class Estimator implements RttEstimator {
  private srtt = -1;
  private rttvar = 0;
  private base: number; // before the floor and cap
  private floor: number;
  private current = 0;

  constructor(private readonly maxMs: number, initialMs: number, floorMs: number) {
    this.base = initialMs;
    this.floor = floorMs;
    this.bound();
  }

  rto(): number {
    return this.current;
  }

  sample(r: number): void {
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.base = this.srtt + Math.max(granularityMs, 4 * this.rttvar);
    this.bound();
  }

  backoff(): void {
    this.base = Math.min(this.maxMs, this.current * 2);
    this.bound();
  }

  setFloor(ms: number): void {
    this.floor = ms;
    this.bound();
  }

  private bound(): void {
    this.current = Math.min(this.maxMs, Math.max(this.floor, this.base));
  }
}

/** Creates an estimator that starts at `initialMs`. */
export function createRttEstimator(limits: RtoLimits): RttEstimator {
  return new Estimator(limits.maxMs, limits.initialMs, limits.minMs);
}

/** Per-client floors of the retransmission timeout. */
export interface RtoFloors {
  floor(client: string): number;
  /** Learns from one retransmission: needless (spurious) or needed. */
  settle(client: string, spurious: boolean): void;
}

/**
 * A needed retransmission lowers the floor by this factor, a needless one
 * doubles it: where late answers rather than losses set the pace, the floor
 * settles with about 13% of retransmissions needless (0.13 * ln 2 = 0.87 *
 * ln(1 / 0.9)), and after a burst of late answers it comes down again within
 * a few dozen repaired losses.
 */
const settleDown = 0.9;

/** Creates the floors, between minMs and maxMs, remembered for at most maxClients clients. */
export function createRtoFloors(opts: { minMs: number; maxMs: number; maxClients?: number }): RtoFloors {
  const floors = new Map<string, number>(); // clients above minMs only, least recent first
  const maxClients = opts.maxClients ?? 4096;
  return {
    // Read when a transfer starts, retransmits or learns: most clients are at minMs, and an empty map needs no lookup.
    floor: (client) => (floors.size === 0 ? opts.minMs : (floors.get(client) ?? opts.minMs)),
    settle(client, spurious) {
      const was = floors.get(client) ?? opts.minMs;
      const next = spurious ? Math.min(opts.maxMs, was * 2) : Math.max(opts.minMs, was * settleDown);
      floors.delete(client);
      if (next <= opts.minMs) return;
      floors.set(client, next);
      if (floors.size > maxClients) floors.delete(floors.keys().next().value!);
    },
  };
}
