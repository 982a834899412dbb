// The paths besides the storm's: a node switched to `local` boots its own
// disk once bootherd steps aside, a node sent to rescue reports rescue-ready,
// and a board switched off sends nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeFleet, type BoardSpec } from '../../src/sim/index.js';
import { startRack, until } from './support.js';

function withBootableDisk(spec: BoardSpec): BoardSpec {
  const disk = { name: 'mmcblk0', sizeBytes: 32e9, model: 'SC32G', serial: 'abcd0001', transport: 'mmc' as const, removable: false, partitions: [], bootable: true };
  return { ...spec, disks: [disk] };
}

test('local boots the board\'s own disk, rescue reports rescue-ready, and a board switched off falls silent', async () => {
  const specs = makeFleet(3);
  specs[0] = withBootableDisk(specs[0]!);
  const sent = new Map<string, number>();
  const rack = await startRack({ specs, timeScale: 0.1, tap: (dir, _m, _p, board) => dir === 'up' && sent.set(board, (sent.get(board) ?? 0) + 1) });
  const { server, set } = rack;
  try {
    const ok = (r: { status: number; body: unknown }) => assert.ok(r.status < 300, JSON.stringify(r.body));
    ok(await server.api('PUT', '/api/v1/images/raspios', { bootDir: set.images.pi.bootDir, kernel: set.images.pi.kernel, initramfs: set.images.pi.initramfs }));
    ok(await server.api('POST', '/api/v1/rules', { name: 'rack', match: {}, apply: { hostname: 'rack1-pi{seq:02}', target: { kind: 'nfs-root', image: 'raspios', server: '127.0.0.1', path: '/srv/roots/rack1' } } }));
    const [local, rescue, off] = rack.sim.boards as [typeof rack.sim.boards[0], typeof rack.sim.boards[0], typeof rack.sim.boards[0]];
    rack.sim.powerOnAll();
    await until('all up on nfs-root', () => rack.sim.boards.every((b) => b.snapshot().os === 'nfs-root' && b.snapshot().upAt !== null), 120_000);

    ok(await server.api('PUT', `/api/v1/nodes/${local.spec.serial}/target`, { kind: 'local' }));
    await local.cycle(1000);
    await until('the local disk booted', () => local.snapshot().os === 'local' && local.snapshot().upAt !== null, 120_000);
    assert.ok(local.events.some((e) => e.kind === 'dhcp' && e.detail?.offer === false), 'the proxyDHCP stayed silent for a local node');

    ok(await server.api('POST', `/api/v1/nodes/${rescue.spec.serial}/actions/rescue`));
    await rescue.cycle(1000);
    await until('rescue-ready', () => rescue.events.find((e) => e.kind === 'rescue-ready'), 120_000);
    const events = (await server.api('GET', `/api/v1/nodes/${rescue.spec.serial}/events`)).body.events as Array<{ kind: string }>;
    assert.ok(events.some((e) => e.kind === 'rescue-ready'), 'bootherd recorded the rescue system');
    assert.equal((await server.api('GET', `/api/v1/nodes/${rescue.spec.serial}`)).body.state, 'rescue');

    off.powerOff();
    assert.equal(off.status(), 'off');
    await new Promise((r) => setTimeout(r, 300));
    const before = sent.get(off.spec.name);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(sent.get(off.spec.name), before, 'nothing sent once off');
    assert.equal(off.snapshot().upAt, null);
  } finally {
    await rack.stop();
  }
});
