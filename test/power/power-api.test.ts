// Power through bootherd's API, end to end on loopback: controllers from the
// config file and the API, a node linked to a PoE port found by its MAC, power
// actions switching a real snmpd's port, a refusal answered 502 with nothing
// changed, and no secret in any answer, event, log line or /metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startBootherd, type Running } from '../../src/main.js';
import { runCli } from '../helpers/process.js';
import { piInventory } from '../helpers/server.js';
import { communities, startSnmpd, type Snmpd } from '../helpers/snmpd.js';

let snmpd: Snmpd;
let running: Running;
let url = '';
const logLines: string[] = [];
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-power-api-'));

async function start(): Promise<void> {
  const configFile = path.join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ power: { controllers: [{ name: 'sw-conf', driver: 'snmp-poe', host: '127.0.0.1', port: snmpd.port, community: communities.rw, offSeconds: 0, timeoutMs: 1000 }] } }));
  const config = loadConfig({ config: configFile, 'data-dir': dataDir, http: '127.0.0.1:0', 'no-tftp': true }, {});
  running = await startBootherd(config, createLogger('debug', (l) => void logLines.push(l)));
  url = `http://127.0.0.1:${running.http.port}`;
}

const api = async (method: string, p: string, body?: unknown, auth: string | null = running.adminToken) => {
  const res = await fetch(url + p, { method, headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  seen.push(text);
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // /metrics: text
  }
  return { status: res.status, body: parsed };
};
const seen: string[] = [];

before(async () => {
  snmpd = await startSnmpd({ fdb: { 'dc:a6:32:00:0e:05': 5, 'dc:a6:32:00:0e:06': 6 } });
  await start();
});
after(async () => {
  await running?.stop();
  await snmpd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('controllers: config ones are listed read-only, API ones are checked by their driver and never show a secret', async () => {
  const list = await api('GET', '/api/v1/power/controllers');
  assert.deepEqual(list.body.controllers.map((c: any) => [c.name, c.source, c.community]), [['sw-conf', 'config', '[redacted]']]);
  const ro = { driver: 'snmp-poe', host: '127.0.0.1', port: snmpd.port, community: communities.ro, timeoutMs: 1000 };
  const put = await api('PUT', '/api/v1/power/controllers/sw-ro', ro);
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.community, '[redacted]');
  assert.equal(put.body.offSeconds, 5, 'defaults filled in');
  assert.equal((await api('PUT', '/api/v1/power/controllers/sw-conf', ro)).status, 409);
  const unknown = await api('PUT', '/api/v1/power/controllers/x1', { driver: 'telepathy' });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.issues[0].message, /unknown driver 'telepathy'/);
  const missing = await api('PUT', '/api/v1/power/controllers/x2', { driver: 'snmp-poe', host: '127.0.0.1' });
  assert.deepEqual(missing.body.issues, [{ path: 'community', message: 'required for SNMP v2c' }]);
  assert.equal((await api('GET', '/api/v1/power/controllers/x2')).status, 404, 'a refused PUT stores nothing');
  // A GET answer sent back keeps the stored secret.
  const again = await api('PUT', '/api/v1/power/controllers/sw-ro', { ...(await api('GET', '/api/v1/power/controllers/sw-ro')).body, source: undefined, createdAt: undefined, updatedAt: undefined, timeoutMs: 1500 });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.timeoutMs, 1500);
});

test('a node linked with port auto is switched on its port; a refusing device is 502 power-failed and changes nothing', async () => {
  const d = await api('POST', '/api/v1/discovery', piInventory('00000e05', 'dc:a6:32:00:0e:05'), null);
  const id = d.body.nodeId as string;
  const linked = await api('PUT', `/api/v1/nodes/${id}/power`, { controller: 'sw-conf', port: 'auto' });
  assert.deepEqual(linked.body.power, { controller: 'sw-conf', port: 'auto', resolvedPort: '5' });
  const cycle = await api('POST', `/api/v1/nodes/${id}/actions/power-cycle`);
  assert.equal(cycle.status, 202, JSON.stringify(cycle.body));
  assert.deepEqual([cycle.body.power.op, cycle.body.power.controller, cycle.body.power.port, cycle.body.power.outcome], ['cycle', 'sw-conf', '5', 'ok']);
  assert.equal(typeof cycle.body.power.durationMs, 'number');
  assert.deepEqual(await snmpd.sets(), ['5=2', '5=1']);
  assert.equal((await api('GET', `/api/v1/nodes/${id}/power`)).body.state, 'on');

  assert.equal((await api('PUT', `/api/v1/nodes/${id}/power`, { controller: 'sw-ro', port: '5' })).status, 200);
  const before = (await api('GET', `/api/v1/nodes/${id}`)).body;
  const refused = await api('POST', `/api/v1/nodes/${id}/actions/power-on`);
  assert.equal(refused.status, 502);
  assert.equal(refused.body.error, 'power-failed');
  assert.match(refused.body.message, /refused/);
  assert.equal(refused.body.power.outcome, 'failed');
  const afterwards = (await api('GET', `/api/v1/nodes/${id}`)).body;
  assert.deepEqual([afterwards.version, afterwards.state, afterwards.lastPower], [before.version, before.state, before.lastPower]);
  assert.deepEqual(await snmpd.sets(), ['5=2', '5=1'], 'the switch did nothing');
  const events = (await api('GET', `/api/v1/nodes/${id}/events`)).body.events as Array<{ kind: string; data: any }>;
  assert.deepEqual(events.filter((e) => e.kind === 'power').map((e) => e.data.outcome), ['ok', 'failed']);

  assert.equal((await api('PUT', `/api/v1/nodes/${id}/power`, { controller: 'nope', port: '1' })).status, 400);
  assert.equal((await api('PUT', `/api/v1/nodes/${id}/power`, { controller: 'sw-ro', port: 'a b' })).status, 400);
  await api('DELETE', '/api/v1/power/controllers/sw-ro');
  const gone = await api('POST', `/api/v1/nodes/${id}/actions/power-cycle`);
  assert.deepEqual([gone.status, gone.body.error], [409, 'no-power-driver']);
});

test('a rule links new nodes by MAC (apply.power auto); API controllers survive a restart', async () => {
  await api('PUT', '/api/v1/power/controllers/sw-api', { driver: 'snmp-poe', host: '127.0.0.1', port: snmpd.port, community: communities.rw, offSeconds: 0 });
  const rule = await api('POST', '/api/v1/rules', { name: 'rack-e', match: { macPrefixes: ['dc:a6:32:00:0e'] }, apply: { power: { controller: 'sw-api', port: 'auto' }, watchdog: { policy: 'rescue' } } });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  const d = await api('POST', '/api/v1/discovery', piInventory('00000e06', 'dc:a6:32:00:0e:06'), null);
  const node = (await api('GET', `/api/v1/nodes/${d.body.nodeId}`)).body;
  assert.deepEqual(node.power, { controller: 'sw-api', port: 'auto', resolvedPort: '6' });
  assert.deepEqual(node.watchdog, { policy: 'rescue' });
  await running.stop();
  await start();
  const list = (await api('GET', '/api/v1/power/controllers')).body.controllers.map((c: any) => `${c.name}:${c.source}`);
  assert.deepEqual(list, ['sw-api:api', 'sw-conf:config']);
  assert.equal((await api('POST', `/api/v1/nodes/${d.body.nodeId}/actions/power-cycle`)).body.power.outcome, 'ok');

  const cli = (...args: string[]) => runCli(['nodes', 'power', ...args, '--url', url, '--admin-token', running.adminToken]);
  const status = await cli('00000e06', 'status');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^00000e06\s+power on \(sw-api port 6\): /);
  const off = await cli('00000e06', 'off');
  assert.match(off.stdout, /agent will poweroff at its next poll/, 'a node running the agent shuts down cleanly first');
  const sets = (await snmpd.sets()).length;
  const cycle = await cli('00000e06', 'cycle');
  assert.match(cycle.stdout, /^00000e06\s+cycle ok in \d+ ms: snmp-poe sw-api/);
  assert.deepEqual((await snmpd.sets()).slice(sets), ['6=2', '6=1']);
  assert.equal((await cli('00000e06', 'explode')).code, 2);
});

test('no secret in any API answer, event, log line or /metrics', async () => {
  for (const n of (await api('GET', '/api/v1/nodes')).body.nodes) await api('GET', `/api/v1/nodes/${n.id}/events`);
  await api('GET', '/metrics', undefined, null);
  const all = [...seen, ...logLines].join('\n');
  assert.ok(logLines.some((l) => l.includes('power request failed')), 'the refusal was logged');
  for (const secret of [communities.rw, communities.ro]) assert.ok(!all.includes(secret), `${secret} leaked`);
  assert.match(all, /bootherd_nodes_health\{health="ok"\}/);
});
