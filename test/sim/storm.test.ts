// A 100-board storm through the whole flow: power-on -> proxyDHCP -> TFTP
// (Pi 4s, Pi 5s) or PXE -> iPXE (x86) -> discovery -> the rule's target
// (nfs-root, usb-root, install then usb-root) -> reboot -> os-up ->
// heartbeat, against a real `bootherd serve`. Every board must get there,
// and bootherd must agree on each node's state and target.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gigabit, runStorm } from '../../src/sim/index.js';

test('100 boards powered on at once all reach their target and heartbeat, with zero failures', async () => {
  const r = await runStorm({ boards: 100, pi5: 3, x86: 3, timeScale: 0.1, link: { bytesPerSecond: gigabit }, deadlineMs: 240_000, server: 'child' });
  const failed = r.outcomes.filter((o) => o.failure);
  assert.deepEqual(failed.map((o) => `${o.name}: ${o.failure}`), []);
  assert.equal(r.figures.up, 100);
  const by = (os: string) => r.outcomes.filter((o) => o.os === os).length;
  assert.ok(by('nfs-root') > 0 && by('usb-root') > 0, `both targets occur: nfs ${by('nfs-root')}, usb ${by('usb-root')}`);
  for (const kind of ['pi4', 'pi5', 'x86']) assert.ok(r.outcomes.some((o) => o.kind === kind && o.failure === null), `a ${kind} came up`);
  // Every board booted twice at least: the discovery image, then its target.
  assert.ok(r.outcomes.every((o) => o.loops.length >= 2), JSON.stringify(r.outcomes.map((o) => o.loops)));
});
