// The retransmission timer of one transfer (RFC 6298 §5.3: restarted by every
// ACK that moves the transfer on) on one Node timer. An ACK only moves the
// deadline, which costs nothing: the Node timer stays where it was and, when
// it fires before the deadline, is set again for what is left, so a transfer
// touches Node's timer list about once per timeout rather than once per
// packet. A deadline moved earlier than the Node timer (by more than an
// eighth) sets it again at once.

/** A restartable deadline that calls back once it has passed with nothing in between. */
export interface RetransmitTimer {
  /** Sets the deadline `ms` after `now` (performance.now()). */
  restart(now: number, ms: number): void;
  /** Stops it for good. */
  stop(): void;
}

/** Creates a timer that calls `onExpire` when a deadline passes. */
export function createRetransmitTimer(onExpire: () => void): RetransmitTimer {
  let deadline = 0;
  let timer: NodeJS.Timeout | undefined;
  let fireAt = 0; // when the Node timer fires (performance.now() scale)
  let stopped = false;

  const schedule = (now: number, ms: number): void => {
    const wait = Math.max(1, Math.ceil(ms));
    fireAt = now + wait;
    timer = setTimeout(wake, wait);
  };

  // Node runs timers before the poll phase that reads sockets, so an ACK may
  // already wait unread when the deadline passes: look again two loop turns
  // later (one for a remote client's ACK, one more for a client in this very
  // process, as in `bootherd demo`), and expire only if nothing moved it.
  const wake = (): void => {
    timer = undefined;
    if (stopped) return;
    const now = performance.now();
    const left = deadline - now;
    if (left >= 1) return schedule(now, left);
    const due = deadline;
    setImmediate(() => setImmediate(() => {
      if (!stopped && deadline === due) onExpire();
    }));
  };

  return {
    restart(now, ms) {
      if (stopped) return;
      deadline = now + ms;
      if (timer && deadline >= fireAt - ms / 8) return;
      clearTimeout(timer);
      schedule(now, ms);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
