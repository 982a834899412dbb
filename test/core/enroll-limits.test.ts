// Unbounded node creation from unauthenticated boot requests: a rate per
// source address, a cap on nodes that never reported, and their expiry.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createEnrollGate } from '../../src/core/enroll-gate.js';
import { findOrEnroll } from '../../src/core/enroll.js';
import { createNodeService } from '../../src/core/nodes.js';
import { TooManyRequestsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { testLifecycleDeps } from '../helpers/core-deps.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { startServe } from '../helpers/process.js';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';
import { tftpGet } from '../helpers/tftp-client.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-enroll-'));
const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});
async function server(name: string, enroll: Record<string, number>): Promise<TestServer> {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ enroll }));
  const s = await startTestServer({ config: file });
  servers.push(s);
  return s;
}
const mac = (i: number) => `52:54:00:a0:00:${i.toString(16).padStart(2, '0')}`;
const ipxe = (s: TestServer, m: string) => fetch(`${s.url}/ipxe?mac=${m}&buildarch=x86_64&platform=pcbios`);
const count = async (s: TestServer) => (await s.api('GET', '/api/v1/nodes')).body.nodes.length;

test('one source enrolls at most enroll.perSourcePerMinute new nodes; beyond, 429 with a clear message, no node; known nodes still boot', async () => {
  const s = await server('rate', { perSourcePerMinute: 3 });
  for (let i = 1; i <= 3; i++) assert.equal((await ipxe(s, mac(i))).status, 200);
  const refused = await ipxe(s, mac(4));
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '60');
  const body = (await refused.json()) as { error: string; message: string };
  assert.equal(body.error, 'enroll-rate');
  assert.match(body.message, /^enrollment refused: 127\.0\.0\.1 created more than 3 new nodes in a minute \(enroll\.perSourcePerMinute\)/);
  assert.equal((await fetch(`${s.url}/boot/0000a0a0/config.txt`)).status, 429, 'HTTP boot files enroll through the same gate');
  assert.equal(await count(s), 3, 'no node for the refused requests');
  assert.equal((await ipxe(s, mac(2))).status, 200, 'a known node is not limited');
  assert.equal((await s.api('POST', '/api/v1/discovery', piInventory('0000a0a1', 'dc:a6:32:00:a0:a1'), { auth: null })).status, 200, 'a discovery report is not a boot request');
  assert.match(await (await fetch(`${s.url}/metrics`)).text(), /^bootherd_enroll_refused_total\{reason="rate"\} 2$/m);
});

test('over TFTP a refused enrollment is file-not-found and leaves no node', async () => {
  const file = path.join(dir, 'tftp.yaml');
  writeFileSync(file, 'enroll:\n  perSourcePerMinute: 2\n');
  const data = path.join(dir, 'tftp-data');
  const srv = await startServe(['--config', file, '--data-dir', data, '--http', '127.0.0.1:0', '--tftp', '127.0.0.1:0', '--log-level', 'warn']);
  try {
    const get = (serial: string) => tftpGet({ host: '127.0.0.1', port: srv.tftpPorts[0]!, path: `${serial}/config.txt`, options: { tsize: '0', blksize: '1024' }, localAddress: '127.0.0.9' });
    for (const serial of ['0000c001', '0000c002']) assert.equal((await get(serial)).error, null, serial);
    const refused = await get('0000c003');
    assert.equal(refused.error?.code, 1, JSON.stringify(refused.error));
    assert.equal((await get('0000c001')).error, null, 'a known board still boots');
    const token = readFileSync(path.join(data, 'admin-token'), 'utf8').trim();
    const nodes = (await (await fetch(`${srv.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${token}` } })).json()) as { nodes: Array<{ identity: { serial: string }; pending: boolean }> };
    assert.deepEqual(nodes.nodes.map((n) => [n.identity.serial, n.pending]), [['0000c001', true], ['0000c002', true]]);
    assert.match(srv.output(), /warn enrollment refused reason=rate/);
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
  }
});

test('at most enroll.maxPendingNodes nodes that never reported; one that reports or that an operator touches frees its place', async () => {
  const s = await server('cap', { perSourcePerMinute: 100, maxPendingNodes: 2 });
  assert.equal((await ipxe(s, mac(1))).status, 200);
  assert.equal((await ipxe(s, mac(2))).status, 200);
  const full = await ipxe(s, mac(3));
  assert.equal(full.status, 429);
  const body = (await full.json()) as { error: string; message: string };
  assert.equal(body.error, 'enroll-cap');
  assert.match(body.message, /2 nodes enrolled by boot requests have never reported \(enroll\.maxPendingNodes is 2\)/);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^bootherd_pending_nodes 2$/m);
  assert.match(metrics, /^bootherd_enroll_refused_total\{reason="cap"\} 1$/m);

  const one = (await s.api('GET', `/api/v1/nodes/${mac(1)}`)).body;
  assert.equal(one.pending, true);
  assert.equal((await s.api('PATCH', `/api/v1/nodes/${one.id}`, { labels: { rack: 'r1' } })).body.pending, false, 'an operator touched it');
  assert.equal((await ipxe(s, mac(3))).status, 200);
  assert.equal((await ipxe(s, mac(4))).status, 429);
  assert.equal((await s.api('POST', '/api/v1/discovery', { arch: 'x86_64', nics: [{ mac: mac(2), booted: true }] }, { auth: null })).status, 200);
  assert.equal((await s.api('GET', `/api/v1/nodes/${mac(2)}`)).body.pending, false, 'it reported');
  assert.equal((await ipxe(s, mac(4))).status, 200);
  assert.equal(await count(s), 4);
});

test('concurrent first requests never pass enroll.maxPendingNodes together; a board\'s resend finds the node its first request made', async () => {
  const dataDir = mkdtempSync(path.join(dir, 'store-'));
  const sqlite = createSqliteStore(path.join(dataDir, 'bootherd.db'));
  // Answers a turn of the event loop later, as a store over the network (PostgreSQL) does.
  const later = <T>(p: Promise<T>): Promise<T> => p.then((v) => new Promise<T>((resolve) => setImmediate(() => resolve(v))));
  const store: Store = {
    ...sqlite,
    findNode: (q) => later(sqlite.findNode(q)),
    countNodes: (q) => later(sqlite.countNodes(q)),
    createNode: (n, e, at) => later(sqlite.createNode(n, e, at)),
  };
  try {
    const now = () => new Date('2026-03-01T00:00:00.000Z');
    const metrics = createMetrics();
    const gate = createEnrollGate({ store, now, logger: silentLogger, settings: { perSourcePerMinute: 100, maxPendingNodes: 3, pendingTtlHours: 24 }, refused: metrics.counter('r', 'r'), expired: metrics.counter('e', 'e') });
    const deps = { ...(await testLifecycleDeps(store, now)), enrollGate: gate };
    const serials = Array.from({ length: 10 }, (_, i) => `0000c0${i.toString(16).padStart(2, '0')}`);
    const results = await Promise.allSettled([...serials, serials[0]!].map((serial) => findOrEnroll(deps, { serial }, { ip: '10.0.0.6', via: 'tftp' })));
    const made = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(made.length, 4, 'three new nodes, and the resend of the first');
    assert.deepEqual(new Set(made.map((r) => r.value.node.identity.serial)).size, 3);
    assert.equal(made.filter((r) => r.value.created).length, 3);
    assert.equal(refused.length, 7);
    for (const r of refused) assert.ok(r.reason instanceof TooManyRequestsError && r.reason.code === 'enroll-cap', String(r.reason));
    assert.equal(await sqlite.countNodes({ state: 'new', pending: true }), 3);
  } finally {
    await sqlite.close();
  }
});

test('pending nodes expire after enroll.pendingTtlHours, with an expired event; reported and operator-touched ones never do', async () => {
  const dataDir = mkdtempSync(path.join(dir, 'store-'));
  const store = createSqliteStore(path.join(dataDir, 'bootherd.db'));
  try {
    let clock = Date.parse('2026-03-01T00:00:00.000Z');
    const now = () => new Date(clock);
    const metrics = createMetrics();
    const gate = createEnrollGate({ store, now, logger: silentLogger, settings: { perSourcePerMinute: 100, maxPendingNodes: 100, pendingTtlHours: 24 }, refused: metrics.counter('r', 'r'), expired: metrics.counter('bootherd_enroll_expired_total', 'e') });
    const deps = { ...(await testLifecycleDeps(store, now)), enrollGate: gate };
    const enroll = async (serial: string) => (await findOrEnroll(deps, { serial }, { ip: '10.0.0.5', via: 'tftp' })).node;
    const stale = await enroll('0000b001');
    const patched = await enroll('0000b002');
    const assigned = await enroll('0000b003');
    await createNodeService(deps).patch(patched.id, { hostname: 'keep-me' });
    await createNodeService(deps).setTarget(assigned.id, { kind: 'local' });
    clock += 23 * 3_600_000;
    const recent = await enroll('0000b004');
    assert.equal(await gate.sweep(), 0, 'nothing is older than 24 h yet');
    clock += 2 * 3_600_000;
    assert.equal(await gate.sweep(), 1);
    assert.equal(await store.getNode(stale.id), null, 'the pending node expired');
    for (const n of [patched, assigned, recent]) assert.ok(await store.getNode(n.id), n.identity.serial!);
    const events = await store.listEvents(stale.id);
    assert.deepEqual(events.map((e) => e.kind), ['seen', 'expired']);
    assert.equal((events[1]!.data.identity as { serial: string }).serial, '0000b001');
    assert.match(await metrics.render(), /^bootherd_enroll_expired_total 1$/m);
    assert.equal((await enroll('0000b001')).id !== stale.id, true, 'the board can enroll again');
  } finally {
    await store.close();
  }
});

test('the rate table stays bounded whatever sources a stranger spoofs', async () => {
  const dataDir = mkdtempSync(path.join(dir, 'spoof-'));
  const store = createSqliteStore(path.join(dataDir, 'bootherd.db'));
  try {
    const metrics = createMetrics();
    const gate = createEnrollGate({ store, now: () => new Date(), logger: silentLogger, settings: { perSourcePerMinute: 1, maxPendingNodes: 10, pendingTtlHours: 24 }, refused: metrics.counter('r', 'r'), expired: metrics.counter('e', 'e'), maxSources: 256 });
    for (let i = 0; i < 20_000; i++) await gate.admit(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    assert.equal(gate.sources(), 256);
    await assert.rejects(gate.admit('10.0.78.31'), (e) => e instanceof TooManyRequestsError && e.code === 'enroll-rate', 'a recent source is still limited');
  } finally {
    await store.close();
  }
});
