// The simulator's Pi bootloader against a real bootherd: the order and the
// options of its RRQs, read off the wire, against the recorded Pi 4 sequence.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeFleet, type BoardSpec } from '../../src/sim/index.js';
import { decodeRrq, recordedPi4Sequence, startRack, until, type WireRrq } from './support.js';

const serial = '04f2ea0a'; // the recorded board's
const noDuplicates = { duplicateRrqShare: 0, duplicateAckShare: 0 };

// RRQs and "Early terminate" ERRORs as they left the boards.
function recorder() {
  const rrqs: WireRrq[] = [];
  const terminated: string[] = [];
  const dhcp: Buffer[] = [];
  // A board resends an RRQ the server has not answered yet (a loaded server is slow to enroll):
  // the same bytes again with nothing received in between is a retransmission, not a new request.
  let lastRrq: Buffer | null = null;
  let heardSince = true;
  const tap = (dir: 'up' | 'down', msg: Buffer, peer: { port: number }) => {
    if (dir !== 'up') return void (heardSince = true);
    const r = decodeRrq(msg);
    const resent = r !== null && !heardSince && lastRrq !== null && lastRrq.equals(msg);
    if (r) [lastRrq, heardSince] = [Buffer.from(msg), false];
    if (r && !resent) rrqs.push(r);
    else if (msg.length > 240 && msg[0] === 1) dhcp.push(msg);
    else if (msg.readUInt16BE(0) === 5 && msg.readUInt16BE(2) === 0 && msg.toString('latin1', 4).startsWith('Early terminate')) terminated.push(rrqs[rrqs.length - 1]!.path);
    void peer;
  };
  return { rrqs, terminated, dhcp, tap };
}

test('a Pi 4 asks for exactly the recorded sequence under its serial prefix, each RRQ with tsize 0 and blksize 1024', async () => {
  const wire = recorder();
  const spec: BoardSpec = { ...makeFleet(1)[0]!, serial };
  // The recorded board had no kernel= line and booted a 32-bit kernel7l.img; so does this one.
  const rack = await startRack({
    specs: [spec], timeScale: 0.2, proxyDhcp: false, tap: wire.tap, quirks: noDuplicates,
    prepare: (set, dir) => {
      mkdirSync(path.join(dir, 'templates/rpi/discovery'), { recursive: true });
      writeFileSync(path.join(dir, 'templates/rpi/discovery/config.txt.njk'), '[all]\nenable_uart=1\n');
      writeFileSync(path.join(set.firmwareDir, 'kernel7l.img'), Buffer.alloc(300_000, 7));
    },
    serverConfig: (dir) => ({ templatesDir: path.join(dir, 'templates') }),
  });
  try {
    const board = rack.sim.boards[0]!;
    board.powerOn();
    await until('the kernel', () => board.events.find((e) => e.kind === 'kernel'));
    const want = recordedPi4Sequence().map((f) => (f.startsWith(`${serial}/`) ? f : `${serial}/${f}`));
    assert.deepEqual(wire.rrqs.map((r) => r.path).slice(0, want.length), want);
    for (const r of wire.rrqs) {
      assert.equal(r.mode, 'octet', r.path);
      assert.deepEqual(r.options, ['tsize', '0', 'blksize', '1024'], r.path);
    }
    // Existence probes end with ERROR 0: the first start4.elf, and every kernel found or looked for by probe.
    assert.equal(wire.terminated[0], `${serial}/start4.elf`);
    assert.ok(wire.terminated.includes(`${serial}/kernel7l.img`), JSON.stringify(wire.terminated));
    const kernel = board.events.find((e) => e.kind === 'kernel')!;
    assert.deepEqual(kernel.detail, { file: 'kernel7l.img', bytes: 300_000 });
  } finally {
    await rack.stop();
  }
});

test('with the stock templates and proxyDHCP, a Pi 4 sends option 97, then loads the kernel and initramfs config.txt names', async () => {
  const wire = recorder();
  const spec: BoardSpec = { ...makeFleet(1)[0]!, serial };
  const rack = await startRack({ specs: [spec], timeScale: 0.2, tap: wire.tap, quirks: noDuplicates, verify: true });
  try {
    const board = rack.sim.boards[0]!;
    board.powerOn();
    await until('the initramfs', () => board.events.find((e) => e.kind === 'initramfs'));
    const discover = wire.dhcp[0]!;
    const opt97 = discover.indexOf(Buffer.from([97, 17, 0, 0x52, 0x50, 0x69, 0x34]));
    assert.ok(opt97 > 240, 'the DISCOVER carries option 97 with FourCC RPi4');
    assert.equal(discover.readUInt32LE(opt97 + 2 + 13).toString(16).padStart(8, '0'), serial, 'option 97 ends with the serial');
    const paths = wire.rrqs.map((r) => r.path);
    const recorded = recordedPi4Sequence();
    const firmwarePart = recorded.slice(0, recorded.indexOf('recovery.img') + 1).map((f) => (f.startsWith(`${serial}/`) ? f : `${serial}/${f}`));
    assert.deepEqual(paths.slice(0, firmwarePart.length), firmwarePart);
    assert.deepEqual(paths.slice(firmwarePart.length), [`${serial}/vmlinuz`, `${serial}/vmlinuz`, `${serial}/initramfs.gz`]);
    const got = (file: string) => board.events.find((e) => e.kind === 'tftp' && e.detail?.path === `${serial}/${file}` && e.detail?.outcome === 'complete')?.detail?.sha256;
    assert.equal(got('vmlinuz'), rack.set.sha256.get('assets/discovery/arm64/vmlinuz'));
    assert.equal(got('start4.elf'), rack.set.sha256.get('firmware/start4.elf'));
  } finally {
    await rack.stop();
  }
});

test('a Pi 5 asks with blksize 1468, config.txt and the device tree first, and keeps its prefix', async () => {
  const wire = recorder();
  const spec = makeFleet(1, { pi5: 1 })[0]!;
  assert.equal(spec.kind, 'pi5');
  const rack = await startRack({ specs: [spec], timeScale: 0.2, tap: wire.tap, quirks: noDuplicates });
  try {
    const board = rack.sim.boards[0]!;
    board.powerOn();
    await until('the initramfs', () => board.events.find((e) => e.kind === 'initramfs'));
    const s = spec.serial!;
    assert.deepEqual(wire.rrqs.map((r) => r.path), [`${s}/config.txt`, `${s}/bcm2712-rpi-5-b.dtb`, `${s}/bcm2712-rpi-5-b.dtb`, `${s}/overlays/overlay_map.dtb`, `${s}/config.txt`, `${s}/cmdline.txt`, `${s}/vmlinuz`, `${s}/vmlinuz`, `${s}/initramfs.gz`]);
    for (const r of wire.rrqs) assert.deepEqual(r.options, ['tsize', '0', 'blksize', '1468']);
  } finally {
    await rack.stop();
  }
});
