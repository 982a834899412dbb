// Two bootherd instances on one real PostgreSQL. Sweeping at the same moment
// with an injected clock: a Pi that stalls after start4.elf (served by A) is
// power-cycled (policy retry) on its PoE port (a real snmpd) once, not once
// per instance, and the instance that did not sweep still counts it as
// wedged in /metrics. Power actions for one node asked of both at once run
// one after the other, never interleaved.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBootherd, type Running } from '../../src/main.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { communities, startSnmpd, type Snmpd } from '../helpers/snmpd.js';
import { tftpGet } from '../helpers/tftp-client.js';

const T0 = Date.parse('2026-04-01T08:00:00Z');
let clock = T0;
const advance = (s: number) => void (clock += s * 1000);
// bootherd records a TFTP transfer just after the client has its last block: let that land before the clock moves.
const settle = () => new Promise((r) => setTimeout(r, 300));
const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-wd2-'));
let snmpd: Snmpd;
let db: TestPostgres;
let url: string;
// A slow hub switch: it logs when it starts and ends each request.
const hubLog = path.join(dir, 'hub.log');
const hubScript = path.join(dir, 'hub.sh');

type Instance = Running & { api: (m: string, p: string, b?: unknown) => Promise<{ status: number; body: any }> };

async function start(name: string): Promise<Instance> {
  const dataDir = path.join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'config.json');
  writeFileSync(file, JSON.stringify({
    store: { url, poolSize: 4 },
    instance: { name },
    watchdog: { sweepSeconds: 3600, stallSeconds: 90, bootStartSeconds: 120, policy: 'retry', retries: 2 },
    power: { controllers: [
      { name: 'sw1', driver: 'snmp-poe', host: '127.0.0.1', port: snmpd.port, community: communities.rw, offSeconds: 0, timeoutMs: 2000 },
      { name: 'hub', driver: 'command', argv: ['/bin/sh', hubScript, '{op}', '{port}'], timeoutMs: 20_000 },
    ] },
  }));
  const config = loadConfig({ config: file, 'data-dir': dataDir, http: '127.0.0.1:0', tftp: '127.0.0.1:0', 'firmware-dir': path.join(dir, 'firmware') }, {});
  const r = await startBootherd(config, silentLogger, () => new Date(clock));
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${r.http.port}${p}`, { method, headers: { authorization: `Bearer ${r.adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
  return Object.assign(r, { api });
}

before(async () => {
  mkdirSync(path.join(dir, 'firmware'), { recursive: true });
  writeFileSync(hubScript, `echo "in $1" >> '${hubLog}'\nsleep 0.3\necho "out $1" >> '${hubLog}'\n`);
  writeFileSync(path.join(dir, 'firmware', 'start4.elf'), randomBytes(40_000));
  // A kernel, so targets without an image have something to boot (bootherd refuses them otherwise).
  writeFileSync(path.join(dir, 'firmware', 'kernel8.img'), 'test kernel\n');
  [snmpd, db] = await Promise.all([startSnmpd({ ports: 8 }), startPostgres()]);
  url = await db.createDatabase('watchdog');
});
after(async () => {
  await Promise.all([snmpd?.stop(), db?.destroy()]);
  rmSync(dir, { recursive: true, force: true });
});

test('two instances sweeping at once power-cycle a wedged Pi once, and both count it wedged', async () => {
  const a = await start('a');
  const b = await start('b');
  try {
    const tftp = (p: string) => tftpGet({ host: '127.0.0.1', port: a.tftp[0]!.port, path: p, options: { tsize: '0', blksize: '1024' } });
    assert.equal((await tftp('a1b2c3d4/start4.elf')).error, null);
    await settle();
    const node = (await b.api('GET', '/api/v1/nodes/a1b2c3d4')).body;
    assert.equal((await b.api('PUT', `/api/v1/nodes/${node.id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/pi' })).status, 200);
    assert.equal((await b.api('PUT', `/api/v1/nodes/${node.id}/power`, { controller: 'sw1', port: '3' })).status, 200);
    advance(2);
    assert.equal((await tftp('a1b2c3d4/start4.elf')).error, null, 'the deployed node boots start4.elf on A, then nothing more');
    await settle();
    advance(91);
    const results = await Promise.all([a.sweepWatchdog(), b.sweepWatchdog()]) as Array<{ swept: boolean; acted: number }>;
    assert.deepEqual(results.map((r) => r.acted).sort(), [0, 1], 'one instance acted');
    assert.deepEqual(await snmpd.sets(), ['3=2', '3=1'], 'port 3 was power-cycled once');
    for (let round = 0; round < 3; round++) {
      advance(5);
      await Promise.all([a.sweepWatchdog(), b.sweepWatchdog()]);
    }
    assert.deepEqual(await snmpd.sets(), ['3=2', '3=1'], 'and not again before the backoff is over');
    const events = (await a.api('GET', `/api/v1/nodes/${node.id}/events`)).body.events as Array<{ kind: string; data: any; instance: string }>;
    assert.deepEqual(events.filter((e) => e.kind === 'wedged').map((e) => [e.data.reason, e.data.action, e.data.attempt]), [['stalled-at-firmware', 'power-cycle', 1]]);
    assert.deepEqual(events.filter((e) => e.kind === 'power').map((e) => [e.data.op, e.data.port, e.data.outcome]), [['cycle', '3', 'ok']]);
    const n = (await b.api('GET', `/api/v1/nodes/${node.id}`)).body;
    assert.deepEqual([n.state, n.health, n.healthReason, n.escalation.attempts], ['deployed', 'wedged', 'stalled-at-firmware', 1]);
    for (const i of [a, b]) assert.match((await i.api('GET', '/metrics')).body, /^bootherd_nodes_health\{health="wedged"\} 1$/m, 'each instance counts the wedged node');
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("one node's power actions asked of two instances at once run one at a time", async () => {
  const a = await start('c');
  const b = await start('d');
  try {
    const tftp = (p: string) => tftpGet({ host: '127.0.0.1', port: a.tftp[0]!.port, path: p, options: { tsize: '0', blksize: '1024' } });
    assert.equal((await tftp('c0ffee01/start4.elf')).error, null);
    const node = (await a.api('GET', '/api/v1/nodes/c0ffee01')).body;
    assert.equal((await a.api('PUT', `/api/v1/nodes/${node.id}/power`, { controller: 'hub', port: '2' })).status, 200);
    const asks = Array.from({ length: 6 }, (_, i) => (i % 2 ? b : a).api('POST', `/api/v1/nodes/${node.id}/actions/${i % 3 ? 'power-on' : 'power-cycle'}`));
    for (const r of await Promise.all(asks)) assert.equal(r.body.power?.outcome, 'ok', JSON.stringify(r.body));
    const lines = readFileSync(hubLog, 'utf8').trim().split('\n');
    assert.equal(lines.length, 12);
    for (let i = 0; i < lines.length; i += 2) {
      assert.match(lines[i]!, /^in (on|cycle)$/);
      assert.equal(lines[i + 1], lines[i]!.replace('in', 'out'), `request ${i / 2} ran alone: ${lines.join(', ')}`);
    }
    const power = ((await b.api('GET', `/api/v1/nodes/${node.id}/events`)).body.events as Array<{ kind: string; instance: string }>).filter((e) => e.kind === 'power');
    assert.deepEqual(power.map((e) => e.instance).sort(), ['c', 'c', 'c', 'd', 'd', 'd'], 'each instance recorded its own three');
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('a power controller made through one instance works through the other at once; removed there, it is gone here', async () => {
  const a = await start('e');
  const b = await start('f');
  try {
    const put = await a.api('PUT', '/api/v1/power/controllers/hub2', { driver: 'command', argv: ['/bin/sh', hubScript, '{op}', '{port}'] });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(((await b.api('GET', '/api/v1/power/controllers')).body.controllers as Array<{ name: string }>).map((c) => c.name), ['hub', 'hub2', 'sw1']);
    const node = (await b.api('POST', '/api/v1/discovery', { serial: 'c0ffee02', nics: [{ name: 'eth0', mac: 'dc:a6:32:c0:ff:02', booted: true }] })).body;
    assert.equal((await b.api('PUT', `/api/v1/nodes/${node.nodeId}/power`, { controller: 'hub2', port: '5' })).status, 200);
    const status = await b.api('GET', `/api/v1/nodes/${node.nodeId}/power`);
    assert.deepEqual([status.status, status.body.controller, status.body.port], [200, 'hub2', '5'], 'B drives the controller A made');
    assert.equal((await b.api('DELETE', '/api/v1/power/controllers/hub2')).status, 204);
    assert.equal((await a.api('GET', '/api/v1/power/controllers/hub2')).status, 404);
    assert.equal((await a.api('GET', `/api/v1/nodes/${node.nodeId}/power`)).status, 409, 'A no longer drives it either');
  } finally {
    await a.stop();
    await b.stop();
  }
});
