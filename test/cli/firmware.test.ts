import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/process.js';
import { testCacheDir } from '../image/qemu-setup.js';

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

test('firmware import fills the firmware dir from Debian packages (raspi-firmware and the arm64 kernel)', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-fw-'));
  const cache = await testCacheDir();
  try {
    const fw = path.join(dir, 'firmware');
    const r = await runCli(['firmware', 'import', '--firmware-dir', fw, '--data-dir', path.join(dir, 'data'), '--cache', cache]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const f of ['start4.elf', 'fixup4.dat', 'bootcode.bin', 'start.elf', 'bcm2711-rpi-4-b.dtb', 'bcm2710-rpi-3-b.dtb']) assert.ok(existsSync(path.join(fw, f)), `${f} imported`);
    // The files are the package's own bytes.
    const unpacked = path.join(cache, 'arm64', 'unpacked');
    const fwRoot = readdirSync(unpacked).find((d) => d.startsWith('raspi-firmware'));
    assert.ok(fwRoot, 'raspi-firmware unpacked in the cache');
    assert.equal(sha(path.join(fw, 'start4.elf')), sha(path.join(unpacked, fwRoot, 'usr/lib/raspi-firmware/start4.elf')));
    const again = await runCli(['firmware', 'import', '--firmware-dir', fw, '--data-dir', path.join(dir, 'data'), '--cache', cache]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /reusing cached raspi-firmware/);
    assert.match(again.stdout, /unchanged \d+ files/);
    assert.equal((await runCli(['firmware', 'export'])).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
