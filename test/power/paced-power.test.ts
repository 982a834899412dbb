// Paced power-on through bootherd's API and CLI, end to end on loopback: a
// rack's nodes linked to a real snmpd's PoE ports are switched one after
// another in the plan's order and no sooner than their offsets; bad input is
// 400 and switches nothing; a selector that picks nothing is 404; without a
// stagger in the request it comes from the admission budget.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBootherd, type Running } from '../../src/main.js';
import { runCli } from '../helpers/process.js';
import { piInventory } from '../helpers/server.js';
import { communities, startSnmpd, type Snmpd } from '../helpers/snmpd.js';
import { until } from '../helpers/until.js';

let snmpd: Snmpd;
let running: Running;
let url = '';
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-paced-power-'));
// Node (serial suffix, hostname, rack label, PoE port); r1's hostnames are given out of order.
const rack = [['0f01', 'r1-n03', 'r1', 3], ['0f02', 'r1-n01', 'r1', 1], ['0f03', 'r1-n02', 'r1', 2], ['0f04', 'r2-n01', 'r2', 4]] as const;
const ids = new Map<string, string>();

const api = async (method: string, p: string, body?: unknown) => {
  const res = await fetch(url + p, { method, headers: { authorization: `Bearer ${running.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const powerEvents = async (id: string) => (await api('GET', `/api/v1/nodes/${id}/events?kind=power`)).body.events as Array<{ id: number; at: string; data: { op: string; outcome: string } }>;

before(async () => {
  snmpd = await startSnmpd({ ports: 8 });
  const configFile = path.join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ power: { controllers: [{ name: 'sw', driver: 'snmp-poe', host: '127.0.0.1', port: snmpd.port, community: communities.rw, offSeconds: 0, timeoutMs: 2000 }] } }));
  running = await startBootherd(loadConfig({ config: configFile, 'data-dir': dataDir, http: '127.0.0.1:0', 'no-tftp': true }, {}), silentLogger);
  url = `http://127.0.0.1:${running.http.port}`;
  for (const [serial, hostname, r, port] of rack) {
    const d = await fetch(`${url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(piInventory(`0000${serial}`, `dc:a6:32:00:${serial.slice(0, 2)}:${serial.slice(2)}`)) });
    const id = ((await d.json()) as { nodeId: string }).nodeId;
    ids.set(hostname, id);
    assert.equal((await api('PATCH', `/api/v1/nodes/${id}`, { hostname, labels: { rack: r } })).status, 200);
    assert.equal((await api('PUT', `/api/v1/nodes/${id}/power`, { controller: 'sw', port: String(port) })).status, 200);
  }
});
after(async () => {
  await running?.stop();
  await snmpd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('bad input is 400 and switches nothing; a selector that picks nothing is 404', async () => {
  for (const body of [{}, { all: false }, { rack: 'r1', staggerSeconds: -1 }, { rack: 'r1', staggerSeconds: 601 }, { rack: 'r1', stagger: 2 }, { state: 'sleeping' }, { labels: { 'bad key': 'x' } }, { rack: 'r 1' }, [], 'on']) {
    const r = await api('POST', '/api/v1/power/actions/power-on', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error, /^invalid/);
  }
  assert.equal((await api('POST', '/api/v1/power/actions/power-on', { rack: 'r9' })).status, 404);
  assert.equal((await api('POST', '/api/v1/power/actions/power-off', { rack: 'r1' })).status, 404, 'only on and cycle are paced');
  assert.deepEqual(await snmpd.sets(), [], 'the switch was not touched');
  for (const id of ids.values()) assert.deepEqual(await powerEvents(id), [], 'no power event');
});

test('power-on of a rack switches its nodes in hostname order, each no sooner than its offset; another rack stays off', async () => {
  const stagger = 0.4;
  const r = await api('POST', '/api/v1/power/actions/power-on', { rack: 'r1', staggerSeconds: stagger });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.deepEqual(r.body.plan.map((p: { hostname: string; offsetSeconds: number }) => [p.hostname, p.offsetSeconds]), [['r1-n01', 0], ['r1-n02', 0.4], ['r1-n03', 0.8]]);
  assert.equal(r.body.staggerFrom, 'request');
  assert.deepEqual(r.body.skipped, []);
  await until('the three ports switched on', async () => (await snmpd.sets()).length >= 3, 300);
  assert.deepEqual(await snmpd.sets(), ['1=1', '2=1', '3=1'], 'ports switched in plan order');
  const events = await Promise.all(['r1-n01', 'r1-n02', 'r1-n03'].map(async (h) => (await powerEvents(ids.get(h)!))[0]!));
  assert.deepEqual(events.map((e) => [e.data.op, e.data.outcome]), [['on', 'ok'], ['on', 'ok'], ['on', 'ok']]);
  const started = Date.parse(r.body.startedAt);
  // Each switch happened no sooner than its offset (the event is written after the device answered).
  events.forEach((e, i) => assert.ok(Date.parse(e.at) - started >= i * stagger * 1000 - 25, `step ${i} at +${Date.parse(e.at) - started} ms, offset ${i * stagger * 1000} ms`));
  for (let i = 1; i < events.length; i++) assert.ok(events[i]!.id > events[i - 1]!.id, 'recorded in plan order');
  assert.deepEqual(await powerEvents(ids.get('r2-n01')!), [], 'rack r2 untouched');
});

test('without a stagger the plan takes the admission budget\'s; the CLI powers a selection through the same plan', async () => {
  const before = (await snmpd.sets()).length;
  const r = await api('POST', '/api/v1/power/actions/power-cycle', { labels: { rack: 'r2' } });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.staggerFrom, 'admission');
  assert.ok(r.body.staggerSeconds > 0, `a stagger from the budget: ${r.body.staggerSeconds}`);
  assert.deepEqual(r.body.plan.map((p: { hostname: string }) => p.hostname), ['r2-n01']);
  await until('the r2 port cycled', async () => (await snmpd.sets()).length >= before + 2, 300);
  assert.deepEqual((await snmpd.sets()).slice(before), ['4=2', '4=1']);

  const cli = await runCli(['nodes', 'power', '--all', 'on', '--stagger', '0.2', '--url', url, '--admin-token', running.adminToken]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(cli.stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(0, 4).join(' ')), ['r1-n01 on at +0.0', 'r1-n02 on at +0.2', 'r1-n03 on at +0.4', 'r2-n01 on at +0.6']);
  assert.match(cli.stderr, /power-on of 4 nodes, 0\.2 s apart \(stagger from request\)/);
  const bad = await runCli(['nodes', 'power', '--all', 'on', '--stagger', 'soon', '--url', url, '--admin-token', running.adminToken]);
  assert.notEqual(bad.code, 0);
  await until('four more ports switched on', async () => (await snmpd.sets()).length >= before + 6, 300);
  assert.deepEqual((await snmpd.sets()).slice(before + 2), ['1=1', '2=1', '3=1', '4=1'], 'the CLI\'s plan in order');
});
