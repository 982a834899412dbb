// The `sim` power driver switching real simulated boards booting against a
// real bootherd; and a `sim` controller refused wherever a switchboard cannot
// come from: a config file (`bootherd serve` stops) or the API (400).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { PowerDeviceError } from '../../src/power/power.js';
import { createDriver, parseController } from '../../src/power/registry.js';
import { makeFleet } from '../../src/sim/index.js';
import { createSwitchboard } from '../../src/sim/switchboard.js';
import { runCli } from '../helpers/process.js';
import { startTestServer } from '../helpers/server.js';
import { startRack, until } from './support.js';

const target = (port: string) => ({ port, node: { id: 'n1', hostname: null, mac: null } });

test('sim driver: on boots the board on that port, status reads it, cycle reboots it, off silences it', async () => {
  const specs = makeFleet(2);
  const sent = new Map<string, number>();
  const rack = await startRack({ specs, timeScale: 0.1, tap: (dir, _m, _p, board) => dir === 'up' && sent.set(board, (sent.get(board) ?? 0) + 1) });
  try {
    const { server, set } = rack;
    assert.equal((await server.api('PUT', '/api/v1/images/raspios', { bootDir: set.images.pi.bootDir, kernel: set.images.pi.kernel, initramfs: set.images.pi.initramfs })).status, 200);
    assert.equal((await server.api('POST', '/api/v1/rules', { name: 'rack', match: {}, apply: { target: { kind: 'nfs-root', image: 'raspios', server: '127.0.0.1', path: '/srv/roots/r' } } })).status, 201);
    const parsed = parseController({ name: 'rack-power', driver: 'sim', switchboard: createSwitchboard(specs, () => rack.sim.boards), offSeconds: 2 });
    assert.ok(parsed.ok);
    assert.equal(JSON.stringify(parsed.controller.params), '{"switchboard":"2 simulated boards on ports 1, 2","offSeconds":2}', 'params show a count, not the boards');
    const d = createDriver(parsed.controller, { logger: silentLogger, sleep: async () => undefined });
    const [b1, b2] = rack.sim.boards as [typeof rack.sim.boards[0], typeof rack.sim.boards[0]];

    assert.equal((await d.status(target('1'))).state, 'off');
    const on = await d.on(target('1'));
    assert.equal(on.done, true);
    assert.equal(on.state, 'on');
    assert.equal(b1.status(), 'on');
    assert.equal(b2.status(), 'off', 'port 2 was not touched');
    await until('board 1 up on nfs-root', () => b1.snapshot().upAt !== null && b1.snapshot().os === 'nfs-root', 120_000);
    assert.equal((await d.status(target('1'))).state, 'on');

    const kinds = () => b1.events.map((e) => e.kind);
    const before = kinds().length;
    const boots = b1.snapshot().boots.length;
    const cycled = await d.cycle(target('1'));
    assert.equal(cycled.state, 'on');
    const during = kinds().slice(before);
    assert.deepEqual(during.filter((k) => k === 'power-off' || k === 'power-on'), ['power-off', 'power-on'], 'a cycle is off, then on');
    await until('board 1 up again after the cycle', () => b1.snapshot().upAt !== null && b1.snapshot().boots.length === boots + 1, 120_000);

    assert.equal(await d.findPort!([b2.spec.mac.toUpperCase()]), '2', 'a board is found by its MAC');
    assert.equal(await d.findPort!(['00:11:22:33:44:55']), null);
    await assert.rejects(d.on(target('9')), (err: unknown) => err instanceof PowerDeviceError && /no board on port 9/.test(err.message));

    const off = await d.off(target('1'));
    assert.equal(off.state, 'off');
    assert.equal((await d.status(target('1'))).state, 'off');
    await new Promise((r) => setTimeout(r, 300));
    const quiet = sent.get(b1.spec.name);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sent.get(b1.spec.name), quiet, 'nothing sent once off');
  } finally {
    await rack.stop();
  }
});

test('a sim controller without a live switchboard is refused, and operators are not offered the sim driver', () => {
  for (const raw of [{ name: 'p', driver: 'sim' }, { name: 'p', driver: 'sim', switchboard: { 1: {} } }, { name: 'p', driver: 'sim', switchboard: JSON.parse(JSON.stringify(createSwitchboard(makeFleet(1), () => []))) }]) {
    const r = parseController(raw);
    assert.equal(r.ok, false, JSON.stringify(raw));
    if (!r.ok) assert.match(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'), /^switchboard: .*only inside `bootherd demo`/);
  }
  const unknown = parseController({ name: 'p', driver: 'simulated' });
  assert.ok(!unknown.ok && unknown.issues[0]!.message.includes('known: snmp-poe, ipmi, redfish, command, manual)'), 'the list of drivers leaves sim out');
});

test('serve refuses a sim controller from its config file, and the API refuses one', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-sim-refused-'));
  try {
    const file = path.join(dir, 'bootherd.json');
    writeFileSync(file, JSON.stringify({ dataDir: path.join(dir, 'data'), http: '127.0.0.1:0', tftp: { enabled: false }, power: { controllers: [{ name: 'rack', driver: 'sim', switchboard: { 1: { powerOn: 'x' } } }] } }));
    const r = await runCli(['serve', '--config', file], {}, { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /power\.controllers\.0\.switchboard: the sim driver switches simulated boards and exists only inside `bootherd demo`/);
    assert.doesNotMatch(r.stdout, /listening/, 'nothing was started');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const s = await startTestServer();
  try {
    for (const body of [{ driver: 'sim' }, { driver: 'sim', switchboard: { 1: {} } }, { driver: 'sim', switchboard: '1 simulated board on ports 1' }]) {
      const r = await s.api('PUT', '/api/v1/power/controllers/rack', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body.issues), /only inside `bootherd demo`/);
    }
    assert.deepEqual((await s.api('GET', '/api/v1/power/controllers')).body.controllers, [], 'nothing was made');
    assert.equal((await s.api('GET', '/api/v1/power/controllers/rack')).status, 404);
  } finally {
    await s.stop();
  }
});
