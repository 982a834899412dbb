// A stand-in for bootherd's node-facing API (discovery, agent/next,
// agent/report) with scripted answers, recording every request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a status and a raw body (JSON text or garbage). */
export interface Answer {
  status: number;
  body?: string;
}

/** A request as the server saw it. */
export interface SeenRequest {
  at: number;
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** An answer, or one made from the server's own base URL (for URLs in answers). */
export type Scripted = Answer | ((baseUrl: string) => Answer);

/** Scripts per route; the last answer of a script repeats. */
export interface FakeApiScript {
  discovery: Scripted[];
  next: Scripted[];
  report?: Scripted[];
  files?: Record<string, Buffer>;
}

/** A running fake API. */
export interface FakeApi {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** JSON answer with status 200. */
export const ok = (value: unknown): Answer => ({ status: 200, body: JSON.stringify(value) });

/** The contract's happy path: enroll, one hold of 1 s, then poweroff. */
export const happyPath: FakeApiScript = {
  discovery: [ok({ nodeId: 'node-1', token: 'agent-token-1', next: { action: 'hold' } })],
  next: [ok({ action: 'hold', pollSeconds: 1 }), ok({ action: 'poweroff' })],
};

/** Starts the fake API on 127.0.0.1 port 0. */
export async function startFakeApi(script: FakeApiScript): Promise<FakeApi> {
  const requests: SeenRequest[] = [];
  const counts = new Map<string, number>();
  let baseUrl = '';
  const pick = (route: keyof FakeApiScript, list: Scripted[]): Answer => {
    const n = counts.get(route) ?? 0;
    counts.set(route, n + 1);
    const a = list[Math.min(n, list.length - 1)] ?? { status: 500 };
    return typeof a === 'function' ? a(baseUrl) : a;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const seen = { at: Date.now(), method: req.method ?? '', path, authorization: req.headers.authorization, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString() };
      requests.push(seen);
      const file = script.files?.[path];
      if (file) return void res.writeHead(200, { 'content-length': file.length }).end(file);
      const answer = route(script, seen, pick);
      res.writeHead(answer.status, answer.body ? { 'content-type': 'application/json' } : {}).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  return { url: baseUrl, port, requests, close: () => new Promise((r) => server.close(() => r())) };
}

function route(script: FakeApiScript, r: SeenRequest, pick: (k: keyof FakeApiScript, l: Scripted[]) => Answer): Answer {
  if (r.method === 'POST' && r.path === '/api/v1/discovery') return pick('discovery', script.discovery);
  if (r.method === 'GET' && r.path === '/api/v1/agent/next') return pick('next', script.next);
  if (r.method === 'POST' && r.path === '/api/v1/agent/report') return pick('report', script.report ?? [{ status: 204 }]);
  return { status: 404, body: '{"error":"not found"}' };
}
