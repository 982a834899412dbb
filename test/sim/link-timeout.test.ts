// The link model and TFTP_FILE_TIMEOUT: a file slower than the timeout fails
// as on a real board (given up, never retried, the boot loop starts again),
// and the same board boots on its first try when the link is fast enough.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLink, makeFleet, smallSizes, type BoardEvent } from '../../src/sim/index.js';
import { startRack, until } from './support.js';

test('a full link queue drops what does not fit (tail drop) and delivers the rest in order', async () => {
  const link = createLink({ bytesPerSecond: 1_000_000, bufferBytes: 10_000, overheadBytes: 0 });
  const delivered: number[] = [];
  const accepted = Array.from({ length: 40 }, (_, i) => link.down.send(1000, () => delivered.push(i)));
  await until('the queue to drain', () => delivered.length === accepted.filter(Boolean).length);
  assert.ok(accepted.filter((a) => !a).length > 0, 'some packets are dropped');
  assert.ok(accepted.slice(0, 10).every(Boolean), 'the first ones fit the buffer');
  assert.deepEqual(delivered, [...delivered].sort((a, b) => a - b), 'in order');
  assert.equal(link.down.stats().dropped, accepted.filter((a) => !a).length);
  assert.equal(link.up.stats().packets, 0, 'the other direction is untouched');
});

const tftpOf = (events: BoardEvent[], file: string) => events.filter((e) => e.kind === 'tftp' && String(e.detail?.path).endsWith(`/${file}`) && !String(e.detail?.outcome).startsWith('probed'));

test('a kernel slower than TFTP_FILE_TIMEOUT through a thin link fails the loop, is not retried, and the loop starts again', async () => {
  // 60 KB/s: the 30 KB firmware passes; a 300 KB kernel needs 5 s against a 30 s timeout scaled by 0.05 (1.5 s).
  const sizes = { ...smallSizes, start4: 30_000, discoveryKernelArm64: 300_000 };
  const rack = await startRack({ specs: makeFleet(1), sizes, timeScale: 0.05, link: { bytesPerSecond: 60_000 }, proxyDhcp: false, quirks: { duplicateRrqShare: 0 } });
  try {
    const board = rack.sim.boards[0]!;
    board.powerOn();
    await until('two failed loops', () => board.events.filter((e) => e.kind === 'loop-failed').length >= 2, 120_000);
    board.powerOff();
    const loops = board.events.filter((e) => e.kind === 'loop');
    const firstFail = board.events.find((e) => e.kind === 'loop-failed')!;
    assert.deepEqual(firstFail.detail, { reason: 'timeout', file: `${board.spec.serial}/vmlinuz` });
    const inFirstLoop = board.events.filter((e) => e.at >= loops[0]!.at && e.at < loops[1]!.at);
    assert.equal(tftpOf(inFirstLoop, 'vmlinuz').length, 1, 'one transfer of the kernel, given up, not retried');
    assert.equal(tftpOf(inFirstLoop, 'vmlinuz')[0]!.detail?.outcome, 'timeout');
    assert.ok(!board.events.some((e) => e.kind === 'kernel'), 'the kernel never loaded');
    // The next loop starts over from DHCP and the firmware.
    const second = board.events.filter((e) => e.at >= loops[1]!.at && e.kind === 'tftp');
    assert.equal(second[0]!.detail?.path, `${board.spec.serial}/start4.elf`);
    assert.equal(board.snapshot().boots[0]!.firstTry, null, 'this boot never reached the kernel');
  } finally {
    await rack.stop();
  }
});

test('the same board through a link fast enough boots on its first try', async () => {
  const rack = await startRack({ specs: makeFleet(1), timeScale: 0.05, link: { bytesPerSecond: 20_000_000 }, proxyDhcp: false });
  try {
    const board = rack.sim.boards[0]!;
    board.powerOn();
    await until('the agent enrolled', () => board.events.find((e) => e.kind === 'enrolled'), 120_000);
    assert.equal(board.snapshot().boots[0]!.firstTry, true);
    assert.equal(board.snapshot().loopFailures, 0);
  } finally {
    await rack.stop();
  }
});
