// The boot-network limit: every node-facing route, in every spelling express
// routes to its handler (any case, a trailing slash, HEAD for GET), is refused
// from outside the boot networks. Loopback is distrusted here (trustLoopback:
// false) so that a client on 127.0.0.1 really is outside 10.99.0.0/16.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bootnet-'));
const distrust = path.join(dir, 'distrust-loopback.yaml');
writeFileSync(distrust, 'trustLoopback: false\n');
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});
async function server(flags: Record<string, string | string[]>): Promise<TestServer> {
  const s = await startTestServer(flags);
  servers.push(s);
  return s;
}

type Segment = string | { param: string };
interface Route {
  methods: string[];
  segments: Segment[];
  query?: string;
  body?: unknown;
  agent?: boolean;
  /** How the handler answers this node when it reaches it (default 200 or 204): the error codes that prove it ran. */
  handlerRefuses?: string;
}

const serial = '0000f0f0';
const routes: Route[] = [
  { methods: ['GET', 'HEAD'], segments: ['api', 'v1', 'agent', 'next'], agent: true },
  { methods: ['POST'], segments: ['api', 'v1', 'agent', 'report'], body: { kind: 'heartbeat' }, agent: true },
  { methods: ['GET', 'HEAD'], segments: ['api', 'v1', 'agent', 'rescue-keys'], agent: true, handlerRefuses: 'not-in-rescue' },
  { methods: ['GET', 'HEAD'], segments: ['api', 'v1', 'agent', 'disk'], agent: true, handlerRefuses: 'not-found' },
  // Last: each report issues a new agent token.
  { methods: ['POST'], segments: ['api', 'v1', 'discovery'], body: piInventory(serial, 'dc:a6:32:00:f0:f0') },
  { methods: ['GET', 'HEAD'], segments: ['boot', { param: serial }, { param: 'config.txt' }] },
  { methods: ['GET', 'HEAD'], segments: ['ipxe'], query: '?mac=52:54:00:00:f0:f0&buildarch=x86_64&platform=pcbios' },
  { methods: ['GET', 'HEAD'], segments: ['boot.ipxe'] },
];

const cases: Array<(s: string, i: number) => string> = [
  (s) => s,
  (s) => s.toUpperCase(),
  (s) => s.charAt(0).toUpperCase() + s.slice(1),
  (s, i) => [...s].map((c, j) => ((i + j) % 2 ? c.toUpperCase() : c)).join(''),
];

/** Every spelling of a route's path: each case variant of all its literal segments, or of one of them, with and without a trailing slash. */
function spellings(r: Route): string[] {
  const out: string[] = [];
  const literals = r.segments.flatMap((seg, i) => (typeof seg === 'string' ? [i] : []));
  for (const spell of cases) {
    for (const only of [null, ...literals]) {
      const p = '/' + r.segments.map((seg, i) => (typeof seg !== 'string' ? seg.param : only === null || only === i ? spell(seg, i) : seg)).join('/');
      for (const tail of ['', '/']) out.push(p + tail + (r.query ?? ''));
    }
  }
  return [...new Set(out)];
}

async function request(s: TestServer, method: string, p: string, body: unknown, token: string | null): Promise<{ status: number; text: string }> {
  const res = await fetch(s.url + p, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

test('from inside the boot networks every spelling reaches its handler (the control)', async () => {
  const s = await server({ 'boot-network': ['127.0.0.0/8'], config: distrust });
  const d = await s.api('POST', '/api/v1/discovery', piInventory(serial, 'dc:a6:32:00:f0:f0'), { auth: null });
  assert.equal(d.status, 200);
  let tried = 0;
  for (const r of routes) {
    for (const method of r.methods) {
      for (const p of spellings(r)) {
        const { status, text } = await request(s, method, p, r.body, r.agent ? d.body.token : null);
        // A trailing slash after a file name reaches the boot-file handler, which finds no file 'config.txt/'.
        const handlerNotFound = status === 404 && (method === 'HEAD' || /"boot file config\.txt\/: not found/.test(text));
        const handlerRefused = r.handlerRefuses !== undefined && status >= 400 && status !== 403 && (method === 'HEAD' || JSON.parse(text).error === r.handlerRefuses);
        assert.ok(status === 200 || status === 204 || handlerNotFound || handlerRefused, `${method} ${p}: ${status} ${text}`);
        tried++;
      }
    }
  }
  assert.ok(tried >= 150, `${tried} requests`);
});

test('from outside the boot networks every spelling of every node-facing route is 403 and creates nothing', async () => {
  const s = await server({ 'boot-network': ['10.99.0.0/16'], config: distrust });
  const refused: string[] = [];
  for (const r of routes) {
    for (const method of r.methods) {
      for (const p of spellings(r)) {
        const res = await fetch(s.url + p, {
          method,
          headers: { ...(r.agent ? { authorization: 'Bearer 00000000-0000-0000-0000-000000000000.x' } : {}), ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: r.body === undefined ? undefined : JSON.stringify(r.body),
        });
        const text = await res.text();
        assert.equal(res.status, 403, `${method} ${p}`);
        if (method !== 'HEAD') assert.match(text, /outside the configured boot networks/, `${method} ${p}`);
        refused.push(`${method} ${p}`);
      }
    }
  }
  for (const want of ['POST /api/v1/DISCOVERY', 'POST /api/v1/Discovery', 'POST /api/v1/discovery/', 'GET /api/v1/AGENT/next', 'HEAD /BOOT.IPXE/', 'GET /Ipxe/?mac=52:54:00:00:f0:f0&buildarch=x86_64&platform=pcbios']) {
    assert.ok(refused.includes(want), `${want} was tried`);
  }
  assert.deepEqual((await s.api('GET', '/api/v1/nodes')).body.nodes, [], 'no node was enrolled');
  assert.equal((await s.api('GET', '/api/v1/nodes')).status, 200, 'the admin API is not limited to the boot networks');
});

test('loopback is trusted by default (trustLoopback: true)', async () => {
  const s = await server({ 'boot-network': ['10.99.0.0/16'] });
  assert.equal((await s.api('POST', '/api/v1/Discovery/', piInventory('0000f0f1', 'dc:a6:32:00:f0:f1'), { auth: null })).status, 200);
  assert.equal((await request(s, 'GET', '/BOOT.IPXE', undefined, null)).status, 200);
});
