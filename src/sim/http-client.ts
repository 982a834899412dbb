// A board's HTTP: requests from its own source address (node:http with
// localAddress, keep-alive per board), every byte through the shared link,
// response bodies read at the link's pace (TCP flow control does the rest).
import http from 'node:http';
import type { BoardNet } from './net.js';

/** An answer: status and body text. */
export interface HttpAnswer {
  status: number;
  text: string;
  json: unknown;
}

/** A board's HTTP client; `destroy()` drops its connections (power off). */
export interface BoardHttp {
  request(method: string, url: string, opts?: { body?: string; token?: string | null; contentType?: string }): Promise<HttpAnswer>;
  /** Streams a body through `onChunk`; resolves to status and byte count. */
  download(url: string, onChunk?: (chunk: Buffer) => void): Promise<{ status: number; bytes: number }>;
  destroy(): void;
}

const headerBytes = 220; // a request or response head, roughly

/** Creates the board's HTTP client, bound to its address and power signal. */
export function createBoardHttp(net: BoardNet, signal: AbortSignal, timeoutMs = 30_000): BoardHttp {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const send = (method: string, url: string, opts: { body?: string; token?: string | null; contentType?: string }, onChunk: (c: Buffer) => void): Promise<number> =>
    new Promise((resolve, reject) => {
      const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (body) Object.assign(headers, { 'content-type': opts.contentType ?? 'application/json', 'content-length': String(body.length) });
      net.link.up.send(headerBytes + (body?.length ?? 0), () => {
        if (signal.aborted) return reject(signal.reason);
        const req = http.request(url, { method, headers, agent, localAddress: net.address, signal, timeout: timeoutMs }, (res) => {
          // 'end' can come while the last chunk is still crossing the link: resolve after it.
          let crossing = 0;
          let ended = false;
          const settle = () => ended && crossing === 0 && resolve(res.statusCode ?? 0);
          res.on('data', (chunk: Buffer) => {
            res.pause();
            crossing++;
            net.link.down.send(chunk.length, () => {
              crossing--;
              onChunk(chunk);
              res.resume();
              settle();
            }, true);
          });
          res.on('end', () => {
            ended = true;
            settle();
          });
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`http: no answer from ${url} within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      }, true);
    });
  return {
    async request(method, url, opts = {}) {
      const chunks: Buffer[] = [];
      const status = await send(method, url, opts, (c) => chunks.push(c));
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      return { status, text, json };
    },
    async download(url, onChunk) {
      let bytes = 0;
      const status = await send('GET', url, {}, (c) => {
        bytes += c.length;
        onChunk?.(c);
      });
      return { status, bytes };
    },
    destroy: () => agent.destroy(),
  };
}
