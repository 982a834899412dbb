// A small Server-Sent Events client over node:http for tests and benchmarks:
// collects every frame (id, data) and comment, and can stop reading (pause)
// to play a client that never reads.
import http from 'node:http';

/** One SSE message. */
export interface SseMessage {
  id: string | null;
  data: string;
  /** performance.now() when it arrived. */
  at: number;
}

/** An open stream. */
export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  messages: SseMessage[];
  comments: string[];
  /** Bytes received so far. */
  bytes(): number;
  /** Resolves once `pred` holds for the messages received (rejects after `timeoutMs`). */
  waitFor(pred: (messages: SseMessage[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  pause(): void;
  resume(): void;
  close(): void;
}

/** Opens `url` as an event stream with the given headers (e.g. authorization, last-event-id). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buf = '';
      let bytes = 0;
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        buf += chunk;
        let sep: number;
        while ((sep = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, sep);
          buf = buf.slice(sep + 2);
          let id: string | null = null;
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length) messages.push({ id, data: data.join('\n'), at: performance.now() });
        }
        for (const w of [...waiters]) w();
      });
      let finished = false;
      const done = () => ((finished = true), endResolve(), [...waiters].forEach((w) => w()));
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        comments,
        bytes: () => bytes,
        ended,
        waitFor(pred, timeoutMs = 60_000, what = 'stream condition') {
          return new Promise<void>((ok, fail) => {
            const check = () => {
              if (pred(messages)) return (cleanup(), ok());
              if (finished) return (cleanup(), fail(new Error(`stream ended before: ${what} (${messages.length} messages)`)));
            };
            const timer = setTimeout(() => (cleanup(), fail(new Error(`timed out waiting for: ${what} (${messages.length} messages)`))), timeoutMs);
            const cleanup = () => (clearTimeout(timer), waiters.delete(check));
            waiters.add(check);
            check();
          });
        },
        pause: () => void res.pause(),
        resume: () => void res.resume(),
        close: () => void req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
