// `bootherd images add|list|show|rm` against a real bootherd serve.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli, startServe } from '../helpers/process.js';
import { piInventory } from '../helpers/server.js';

test('images add, list, show and rm through the CLI; rm of an image in use is refused naming the node', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-cli-images-'));
  const boot = path.join(dataDir, 'boot');
  mkdirSync(boot);
  writeFileSync(path.join(boot, 'kernel8.img'), 'kernel');
  const srv = await startServe(['--data-dir', dataDir, '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn']);
  const base = ['--url', srv.url, '--data-dir', dataDir];
  try {
    const add = await runCli(['images', 'add', 'raspios', 'arch=arm64', `bootDir=${boot}`, 'kernel=kernel8.img', 'disk.url=http://10.0.0.1/r.img.xz', `disk.sha256=${'a'.repeat(64)}`, 'disk.sizeBytes=1000', 'disk.compression=xz', ...base]);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout.trim(), 'image raspios stored');
    const list = await runCli(['images', 'list', ...base]);
    assert.match(list.stdout, new RegExp(`^raspios\\s+arm64\\s+${boot}\\s+kernel8\\.img\\s+.*sha256 aaaaaaaaaaaa`, 'm'));
    const text = await runCli(['images', 'show', 'raspios', ...base]);
    assert.match(text.stdout, /^DISK\s+http:\/\/10\.0\.0\.1\/r\.img\.xz \(xz\)$/m);
    const show = JSON.parse((await runCli(['images', 'show', 'raspios', '-o', 'json', ...base])).stdout);
    assert.deepEqual(show.disk, { url: 'http://10.0.0.1/r.img.xz', sha256: 'a'.repeat(64), sizeBytes: 1000, compression: 'xz' });
    const bad = await runCli(['images', 'add', 'broken', 'disk.url=http://x/y.img.xz', `disk.sha256=${'a'.repeat(64)}`, 'disk.compression=xz', ...base]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /disk\.sizeBytes: sizeBytes \(the uncompressed size\) is required/);
    const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    const d = await (await fetch(`${srv.url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(piInventory('0000c1a1', 'dc:a6:32:00:c1:a1')) })).json() as { nodeId: string };
    await fetch(`${srv.url}/api/v1/nodes/${d.nodeId}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ hostname: 'cli-pi1' }) });
    const set = await runCli(['nodes', 'set-target', 'cli-pi1', 'usb-root', 'image=raspios', ...base]);
    assert.equal(set.code, 0, set.stderr);
    const inUse = await runCli(['images', 'rm', 'raspios', ...base]);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /image raspios: in use by 1 node\(s\): cli-pi1/);
    assert.equal((await runCli(['nodes', 'set-target', 'cli-pi1', 'local', ...base])).code, 0);
    const rm = await runCli(['images', 'rm', 'raspios', ...base]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await runCli(['images', 'show', 'raspios', ...base])).code, 1);
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
