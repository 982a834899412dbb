import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startBootherd, type Running } from '../../src/main.js';
import { piInventory } from '../helpers/server.js';
import { until } from '../helpers/until.js';

type Hit = { path: string; headers: http.IncomingHttpHeaders; body: string };

/** A real receiver: records every POST; `answer` decides the status (or 'hang' to never answer). */
async function receiver(answer: (hit: Hit, n: number) => number | 'hang') {
  const hits: Hit[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const hit = { path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers, body };
      hits.push(hit);
      const a = answer(hit, hits.filter((h) => h.path === hit.path).length);
      if (a === 'hang') return void hanging.push(res);
      res.writeHead(a).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hits, hanging, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const secretA = 'sekrit-for-transitions';
const secretAll = 'another-sekrit-value';
const secretDead = 'dead-receiver-sekrit';
let rx: Awaited<ReturnType<typeof receiver>>;
let running: Running;
let dataDir: string;
let deadPort: number;
const log: string[] = [];
let base: string;

before(async () => {
  rx = await receiver((hit, n) => (hit.path === '/a' && n === 1 ? 500 : hit.path === '/hang' ? 'hang' : 200));
  deadPort = await closedPort();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-webhooks-'));
  const file = path.join(dataDir, 'config.json');
  writeFileSync(file, JSON.stringify({
    webhooks: [
      { url: `${rx.url}/a?token=in-the-query`, events: ['transition'], secret: secretA, backoffSeconds: 0.05 },
      { url: `${rx.url}/all`, events: ['*'], secret: secretAll },
      { url: `http://127.0.0.1:${deadPort}/dead`, events: ['*'], secret: secretDead, backoffSeconds: 60, maxAttempts: 50, queueSize: 2 },
      { url: `${rx.url}/hang`, events: ['*'], secret: secretDead, timeoutSeconds: 120 },
    ],
  }));
  const config = loadConfig({ config: file, 'data-dir': dataDir, http: '127.0.0.1:0', 'no-tftp': true }, {});
  running = await startBootherd(config, createLogger('debug', (l) => log.push(l)));
  base = `http://127.0.0.1:${running.http.port}`;
});
after(async () => {
  await running.stop();
  await rx.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = async (method: string, p: string, body?: unknown, token: string | null = running.adminToken) => {
  const res = await fetch(base + p, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.text()) || null };
};

test('webhooks: signed JSON POSTs, kinds filtered, a 500 retried, a dead or hanging receiver never slows the API', async () => {
  const enrolled = await api('POST', '/api/v1/discovery', piInventory('0000f001', 'dc:a6:32:00:f0:01'), null);
  assert.equal(enrolled.status, 200);
  const nodeId = JSON.parse(enrolled.body!).nodeId as string;
  // The hanging receiver holds a request open; the API still answers at once.
  await until('the hanging receiver to get a request', () => rx.hanging.length > 0);
  const patched = await api('PATCH', `/api/v1/nodes/${nodeId}`, { hostname: 'hook-node' });
  assert.equal(patched.status, 200, 'the API answers while a receiver hangs and another is down');
  assert.equal((await api('PUT', `/api/v1/nodes/${nodeId}/target`, { kind: 'local' })).status, 200);
  for (let i = 0; i < 5; i++) assert.equal((await api('PATCH', `/api/v1/nodes/${nodeId}`, { labels: { n: String(i) } })).status, 200);

  const at = (p: string) => rx.hits.filter((h) => h.path === p);
  await until('two transitions at /a, one of them retried', () => at('/a').length >= 3);
  await until('every event at /all', () => at('/all').some((h) => JSON.parse(h.body).data?.labels?.n === '4'));

  const a = at('/a').map((h) => ({ delivery: h.headers['x-bootherd-delivery'], body: JSON.parse(h.body) }));
  assert.ok(a.every((h) => h.body.kind === 'transition'), 'the transitions-only receiver gets nothing else');
  assert.equal(a[0]!.delivery, a[1]!.delivery, 'the event that got a 500 is delivered again');
  assert.deepEqual(a.slice(1).map((h) => h.body.data.to), ['ready', 'deployed']);
  assert.equal(a[2]!.body.node.hostname, 'hook-node');
  assert.equal(a[2]!.body.nodeId, nodeId);

  const all = at('/all');
  assert.deepEqual([...new Set(all.map((h) => JSON.parse(h.body).kind))].sort(), ['inventory', 'seen', 'transition', 'updated']);
  for (const h of [...at('/a'), ...all]) {
    const secret = h.path === '/a' ? secretA : secretAll;
    assert.equal(h.headers['x-bootherd-signature'], 'sha256=' + createHmac('sha256', secret).update(h.body).digest('hex'), 'the signature verifies over the exact body');
    assert.equal(h.headers['content-type'], 'application/json');
    assert.equal(h.headers['x-bootherd-event'], JSON.parse(h.body).kind);
  }
  const ids = all.map((h) => JSON.parse(h.body).id as number);
  assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'one receiver gets events in order');

  const metrics = (await api('GET', '/metrics')).body!;
  assert.match(metrics, new RegExp(`^bootherd_webhook_attempt_failures_total\\{webhook="0:127.0.0.1:\\d+",reason="http-500"\\} 1$`, 'm'));
  assert.match(metrics, new RegExp(`^bootherd_webhook_attempt_failures_total\\{webhook="2:127.0.0.1:${deadPort}",reason="econnrefused"\\} 1$`, 'm'));
  const dropped = Number(new RegExp(`^bootherd_webhook_dropped_total\\{webhook="2:127.0.0.1:${deadPort}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
  assert.ok(dropped >= 5, `the dead receiver's queue of 2 dropped the oldest (${dropped})`);
  assert.match(metrics, new RegExp(`^bootherd_webhook_queue\\{webhook="2:127.0.0.1:${deadPort}"\\} 2$`, 'm'));
  assert.match(log.join('\n'), /webhook delivery failed; will retry webhook=0:127\.0\.0\.1:\d+ .*reason=http-500/);
  assert.match(log.join('\n'), /webhook queue full/);
  for (const text of [metrics, log.join('\n')]) {
    for (const secret of [secretA, secretAll, secretDead, 'in-the-query']) assert.ok(!text.includes(secret), `${secret} never appears in /metrics or the log`);
  }
});

test('a bad webhook config is refused at start with the path of the problem', () => {
  const file = path.join(dataDir, 'bad.json');
  writeFileSync(file, JSON.stringify({ webhooks: [{ url: 'ftp://x', events: ['<b>'], secret: 'short' }] }));
  assert.throws(() => loadConfig({ config: file }, {}), (err: Error) => /webhooks\.0\.url/.test(err.message) && /webhooks\.0\.events\.0/.test(err.message) && /webhooks\.0\.secret/.test(err.message));
});
