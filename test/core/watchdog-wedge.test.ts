// The watchdog on a real bootherd with an injected clock: a Pi-like TFTP
// client that stalls after start4.elf, a PoE port on a real snmpd, a deployed
// OS whose heartbeats stop, escalation into rescue and then unreachable, and a
// restart of bootherd inside a window.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startBootherd, type Running } from '../../src/main.js';
import { piInventory } from '../helpers/server.js';
import { communities, startSnmpd, type Snmpd } from '../helpers/snmpd.js';
import { tftpGet } from '../helpers/tftp-client.js';

const T0 = Date.parse('2026-04-01T08:00:00Z');
let clock = T0;
const advance = (s: number) => void (clock += s * 1000);
// bootherd records a TFTP transfer just after the client has its last block: let that land before the clock moves.
const settle = () => new Promise((r) => setTimeout(r, 300));
let snmpd: Snmpd;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-wedge-'));
const fw = path.join(dir, 'firmware');

async function start(dataDir: string, watchdog: Record<string, unknown>): Promise<Running & { api: (m: string, p: string, b?: unknown, auth?: string | null) => Promise<{ status: number; body: any }> }> {
  const file = path.join(dataDir, 'config.json');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify({
    watchdog: { sweepSeconds: 3600, ...watchdog },
    power: { controllers: [{ name: 'sw1', driver: 'snmp-poe', host: '127.0.0.1', port: snmpd.port, community: communities.rw, offSeconds: 0, timeoutMs: 1000 }] },
  }));
  const config = loadConfig({ config: file, 'data-dir': dataDir, http: '127.0.0.1:0', tftp: '127.0.0.1:0', 'firmware-dir': fw }, {});
  const r = await startBootherd(config, silentLogger, () => new Date(clock));
  const url = `http://127.0.0.1:${r.http.port}`;
  const api = async (method: string, p: string, body?: unknown, auth: string | null = r.adminToken) => {
    const res = await fetch(url + p, { method, headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
  return Object.assign(r, { api });
}

before(async () => {
  snmpd = await startSnmpd({ ports: 8 });
  mkdirSync(fw, { recursive: true });
  writeFileSync(path.join(fw, 'start4.elf'), randomBytes(40_000));
  // A kernel, so targets without an image have something to boot (bootherd refuses them otherwise).
  writeFileSync(path.join(fw, 'kernel8.img'), 'test kernel\n');
  const disc = path.join(dir, 'assets-unused');
  mkdirSync(disc, { recursive: true });
});
after(async () => {
  await snmpd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// The boot token, as the discovery plan's cmdline.txt carries it (a deployed OS has it rendered into its root).
const tokenOf = async (b: Awaited<ReturnType<typeof start>>, id: string) => /bootherd\.token=(\S+)/.exec((await b.api('GET', `/api/v1/nodes/${id}/boot-files/cmdline.txt`)).body)![1]!;

const kinds = (events: Array<{ kind: string }>) => events.map((e) => e.kind).filter((k) => ['wedged', 'power', 'recovered', 'unreachable', 'transition'].includes(k));

test('a Pi that stalls after start4.elf is marked stalled-at-firmware, cycled on its PoE port, and served the rescue config.txt', async () => {
  clock = T0;
  const b = await start(path.join(dir, 'd1'), { stallSeconds: 90, policy: 'rescue' });
  try {
    const tftp = (p: string) => tftpGet({ host: '127.0.0.1', port: b.tftp[0]!.port, path: p, options: { tsize: '0', blksize: '1024' } });
    assert.equal((await tftp('a1b2c3d4/start4.elf')).error, null, 'the firmware is served');
    await settle();
    const node = (await b.api('GET', '/api/v1/nodes/a1b2c3d4')).body;
    assert.equal((await b.api('PUT', `/api/v1/nodes/${node.id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/pi' })).status, 200);
    assert.equal((await b.api('PUT', `/api/v1/nodes/${node.id}/power`, { controller: 'sw1', port: '3' })).status, 200);
    advance(2);
    assert.equal((await tftp('a1b2c3d4/start4.elf')).error, null, 'the deployed node boots: start4.elf, then nothing more');
    await settle();
    advance(60);
    await b.sweepWatchdog();
    assert.equal((await b.api('GET', `/api/v1/nodes/${node.id}`)).body.health, 'booting');
    assert.deepEqual(await snmpd.sets(), []);
    advance(31);
    await b.sweepWatchdog();
    const wedged = (await b.api('GET', `/api/v1/nodes/${node.id}`)).body;
    assert.deepEqual([wedged.state, wedged.health, wedged.healthReason], ['rescue', 'wedged', 'stalled-at-firmware']);
    assert.deepEqual(await snmpd.sets(), ['3=2', '3=1'], 'port 3 was power-cycled');
    const events = (await b.api('GET', `/api/v1/nodes/${node.id}/events`)).body.events;
    assert.deepEqual(kinds(events).slice(-3), ['wedged', 'transition', 'power']);
    assert.equal(events.find((e: any) => e.kind === 'wedged').data.reason, 'stalled-at-firmware');
    assert.deepEqual(events.filter((e: any) => e.kind === 'power').map((e: any) => [e.data.op, e.data.controller, e.data.port, e.data.outcome]), [['cycle', 'sw1', '3', 'ok']]);
    advance(3);
    const config = await tftp('a1b2c3d4/config.txt');
    assert.match(config.data.toString(), /^# bootherd rescue boot for /, 'after the cycle the Pi is served the rescue config.txt');
    assert.match((await tftp('a1b2c3d4/cmdline.txt')).data.toString(), /bootherd\.mode=rescue/);

    // The rescue system comes up: its agent reports, and the node has recovered.
    const cmdline = (await b.api('GET', `/api/v1/nodes/${node.id}/boot-files/cmdline.txt`)).body as string;
    const token = /bootherd\.token=(\S+)/.exec(cmdline)![1]!;
    assert.equal((await b.api('POST', '/api/v1/discovery', piInventory('a1b2c3d4', 'dc:a6:32:0a:0b:0c'), token)).status, 200);
    await b.sweepWatchdog();
    const back = (await b.api('GET', `/api/v1/nodes/${node.id}`)).body;
    assert.deepEqual([back.state, back.health, back.escalation], ['rescue', 'ok', null]);
    assert.equal(kinds((await b.api('GET', `/api/v1/nodes/${node.id}/events`)).body.events).at(-1), 'recovered');
  } finally {
    await b.stop();
  }
});

test('retry: two power-cycles with backoff, then rescue, then unreachable; a sign of life recovers it', async () => {
  clock = T0;
  const b = await start(path.join(dir, 'd2'), { policy: 'retry', retries: 2, heartbeatSeconds: 300, bootStartSeconds: 120 });
  const before = (await snmpd.sets()).length;
  try {
    const d = (await b.api('POST', '/api/v1/discovery', piInventory('00000d02', 'dc:a6:32:00:0d:02'), null)).body;
    const id = d.nodeId as string;
    await b.api('PUT', `/api/v1/nodes/${id}/power`, { controller: 'sw1', port: '4' });
    const bootToken = await tokenOf(b, id);
    await b.api('PUT', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/d2' });
    advance(100);
    assert.equal((await b.api('POST', '/api/v1/agent/report', { kind: 'heartbeat', nodeId: id }, bootToken)).status, 204, 'the deployed OS sends a heartbeat with its boot token');
    assert.equal((await b.api('GET', `/api/v1/nodes/${id}`)).body.heartbeatFrom, 'os');
    const step = async (secs: number) => {
      advance(secs);
      await b.sweepWatchdog();
      const n = (await b.api('GET', `/api/v1/nodes/${id}`)).body;
      return [n.state, n.health, n.healthReason, (await snmpd.sets()).length - before];
    };
    assert.deepEqual(await step(299), ['deployed', 'ok', null, 0]);
    assert.deepEqual(await step(2), ['deployed', 'wedged', 'heartbeat-lost', 2], 'attempt 1: cycled');
    assert.deepEqual(await step(119), ['deployed', 'wedged', 'heartbeat-lost', 2], 'waiting for a boot after the cycle');
    assert.deepEqual(await step(2), ['deployed', 'wedged', 'no-boot-after-power', 4], 'attempt 2 once the backoff (120 s) passed');
    assert.deepEqual(await step(200), ['deployed', 'wedged', 'no-boot-after-power', 4], 'backoff doubled: 240 s');
    assert.deepEqual(await step(41), ['rescue', 'wedged', 'no-boot-after-power', 6], 'retries exhausted: rescue, with a cycle');
    assert.deepEqual(await step(400), ['rescue', 'wedged', 'no-boot-after-power', 6]);
    assert.deepEqual(await step(81), ['rescue', 'unreachable', 'no-boot-after-power', 6], 'still nothing after the rescue boot: unreachable');
    assert.deepEqual(await step(3600), ['rescue', 'unreachable', 'no-boot-after-power', 6], 'and nothing more is tried');
    const events = (await b.api('GET', `/api/v1/nodes/${id}/events`)).body.events;
    assert.deepEqual(events.filter((e: any) => e.kind === 'wedged').map((e: any) => e.data.action), ['power-cycle', 'power-cycle', 'rescue']);
    assert.equal(events.filter((e: any) => e.kind === 'unreachable').length, 1);
    const metrics = (await b.api('GET', '/metrics', undefined, null)).body as string;
    assert.match(metrics, /bootherd_nodes_health\{health="unreachable"\} 1/);
    assert.equal((await b.api('POST', '/api/v1/discovery', piInventory('00000d02', 'dc:a6:32:00:0d:02'), bootToken)).status, 200, 'the board finally boots the rescue system');
    assert.deepEqual(await step(1), ['rescue', 'ok', null, 6]);
  } finally {
    await b.stop();
  }
});

test('a restart of bootherd inside a heartbeat window still fires at the deadline', async () => {
  clock = T0;
  const dataDir = path.join(dir, 'd3');
  let b = await start(dataDir, { policy: 'notify', heartbeatSeconds: 300 });
  const d = (await b.api('POST', '/api/v1/discovery', piInventory('00000d03', 'dc:a6:32:00:0d:03'), null)).body;
  const bootToken = await tokenOf(b, d.nodeId);
  await b.api('PUT', `/api/v1/nodes/${d.nodeId}/target`, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/d3' });
  await b.api('POST', '/api/v1/agent/report', { kind: 'heartbeat', nodeId: d.nodeId }, bootToken);
  advance(200);
  await b.stop();
  advance(99);
  b = await start(dataDir, { policy: 'notify', heartbeatSeconds: 300 });
  try {
    await b.sweepWatchdog();
    assert.equal((await b.api('GET', `/api/v1/nodes/${d.nodeId}`)).body.health, 'ok', 'one second before the deadline');
    advance(1);
    await b.sweepWatchdog();
    const n = (await b.api('GET', `/api/v1/nodes/${d.nodeId}`)).body;
    assert.deepEqual([n.health, n.healthReason], ['wedged', 'heartbeat-lost']);
    const wedged = (await b.api('GET', `/api/v1/nodes/${d.nodeId}/events`)).body.events.filter((e: any) => e.kind === 'wedged');
    assert.deepEqual(wedged.map((e: any) => [e.data.reason, e.data.action, e.at]), [['heartbeat-lost', 'notify', new Date(T0 + 300_000).toISOString()]]);
  } finally {
    await b.stop();
  }
});
