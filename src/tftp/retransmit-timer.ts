// The retransmission timer of one transfer (RFC 6298 §5.3: restarted by every
// ACK that moves the transfer on) on one Node timer. An ACK only moves the
// deadline, which costs nothing: the Node timer stays where it was and, when
// it fires before the deadline, is set again for what is left, so a transfer
// touches Node's timer list about once per timeout rather than once per
// packet. A deadline moved earlier than the Node timer (by more than an
// eighth) sets it again at once.
import { performance } from 'node:perf_hooks';

/** A restartable deadline that calls back once it has passed with nothing in between. */
export interface RetransmitTimer {
  /** Sets the deadline `ms` after `now` (performance.now()). */
  restart(now: number, ms: number): void;
  /** Stops it for good. */
  stop(): void;
}

// A class rather than a closure, as rtt.ts's estimator: restart() runs on
// every ACK, and object fields take its numbers in place.
class Timer implements RetransmitTimer {
  private deadline = 0;
  private fireAt = 0; // when the Node timer fires (performance.now() scale)
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly onWake = (): void => this.wake();

  constructor(private readonly onExpire: () => void) {}

  restart(now: number, ms: number): void {
    if (this.stopped) return;
    this.deadline = now + ms;
    if (this.timer && this.deadline >= this.fireAt - ms / 8) return;
    clearTimeout(this.timer);
    this.schedule(now, ms);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(now: number, ms: number): void {
    const wait = Math.max(1, Math.ceil(ms));
    this.fireAt = now + wait;
    this.timer = setTimeout(this.onWake, wait);
  }

  // Node runs timers before the poll phase that reads sockets, so an ACK may
  // already wait unread when the deadline passes: look again two loop turns
  // later (one for a remote client's ACK, one more for a client in this very
  // process, as in `bootherd demo`), and expire only if nothing moved it.
  private wake(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const now = performance.now();
    const left = this.deadline - now;
    if (left >= 1) return this.schedule(now, left);
    const due = this.deadline;
    setImmediate(() => setImmediate(() => {
      if (!this.stopped && this.deadline === due) this.onExpire();
    }));
  }
}

/** Creates a timer that calls `onExpire` when a deadline passes. */
export function createRetransmitTimer(onExpire: () => void): RetransmitTimer {
  return new Timer(onExpire);
}
