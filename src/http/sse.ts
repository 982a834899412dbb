// One Server-Sent Events response with a bounded buffer: writes go out at
// the client's pace; a client that leaves more than `bufferBytes` unread, or
// its socket full for `stallSeconds`, is cut off (closed), so a stranger that
// never reads cannot make the server hold more than that.
import type { Request, Response } from 'express';

/** Why a client was cut off. */
export type CutReason = 'buffer' | 'stalled';

/** An open SSE response. */
export interface SseConnection {
  /** Queues text; cuts the client off when it is too far behind. */
  write(text: string): void;
  /** Resolves once the client has read what it was sent (or was cut off or left). */
  drained(): Promise<void>;
  /** Closes the response (idempotent); `onClose` runs once, whoever closed it. */
  close(): void;
  readonly closed: boolean;
  readonly buffered: number;
}

/** Starts an SSE response on `res`. */
export function openSse(req: Request, res: Response, limits: { bufferBytes: number; stallSeconds: number }, hooks: { onCut(reason: CutReason): void; onClose(): void }): SseConnection {
  let blockedSince = 0;
  let closed = false;
  res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  req.socket.setNoDelay(true);

  const close = () => {
    if (closed) return;
    closed = true;
    hooks.onClose();
    res.destroy();
  };
  const checkSlow = () => {
    const reason: CutReason | null = res.writableLength > limits.bufferBytes ? 'buffer' : blockedSince && Date.now() - blockedSince > limits.stallSeconds * 1000 ? 'stalled' : null;
    if (!reason || closed) return;
    hooks.onCut(reason);
    close();
  };
  res.on('drain', () => (blockedSince = 0));
  res.on('close', close);
  // The client may have left while the stream was being set up: its 'close' is gone by now.
  if (req.socket.destroyed) queueMicrotask(close);

  return {
    write(text) {
      if (closed) return;
      if (!res.write(text) && !blockedSince) blockedSince = Date.now();
      checkSlow();
    },
    drained: () =>
      new Promise<void>((resolve) => {
        if (closed || !res.writableNeedDrain) return resolve();
        const timer = setTimeout(() => (checkSlow(), done()), limits.stallSeconds * 1000 + 10);
        const done = () => (clearTimeout(timer), res.off('drain', done), res.off('close', done), resolve());
        res.once('drain', done);
        res.once('close', done);
      }),
    close,
    get closed() {
      return closed;
    },
    get buffered() {
      return res.writableLength;
    },
  };
}
