// The retransmission timer of one transfer (RFC 6298 §5.3: restarted by every
// ACK that moves the transfer on) on one Node timer: a restart with about the
// same timeout refreshes it in place, which costs no allocation; a timeout
// that changed by more than an eighth gets a new one.

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
  let timerMs = 0;
  let stopped = false;

  const schedule = (ms: number): void => {
    timerMs = ms;
    timer = setTimeout(wake, Math.max(1, Math.ceil(ms)));
  };

  // Node runs timers before the poll phase that reads sockets, so an ACK may
  // already wait unread when the deadline passes: look again two loop turns
  // later (one for a remote client's ACK, one more for a client in this very
  // process, as in `bootherd demo`), and expire only if nothing moved it.
  const wake = (): void => {
    timer = undefined;
    if (stopped) return;
    const left = deadline - performance.now();
    if (left >= 1) return schedule(left);
    const due = deadline;
    setImmediate(() => setImmediate(() => {
      if (!stopped && deadline === due) onExpire();
    }));
  };

  return {
    restart(now, ms) {
      if (stopped) return;
      deadline = now + ms;
      if (timer && Math.abs(ms - timerMs) <= timerMs / 8) {
        timer.refresh();
        return;
      }
      clearTimeout(timer);
      schedule(ms);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
