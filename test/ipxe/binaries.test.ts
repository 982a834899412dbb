// PXE ROMs chain-load iPXE over TFTP: bootherd serves Debian's iPXE binaries
// un-prefixed from its ipxe dir, to clients it knows nothing about yet.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startServe } from '../helpers/process.js';
import { tftpGet } from '../helpers/tftp-client.js';

const ipxeDir = '/usr/lib/ipxe';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('undionly.kpxe and ipxe.efi come over TFTP from the ipxe dir, byte for byte', async () => {
  for (const f of ['undionly.kpxe', 'ipxe.efi']) assert.ok(existsSync(path.join(ipxeDir, f)), `${ipxeDir}/${f} is missing: install the Debian package ipxe (scripts/install-test-deps.sh)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-ipxe-bin-'));
  const srv = await startServe(['--data-dir', dir, '--http', '127.0.0.1:0', '--tftp', '127.0.0.1:0', '--ipxe-dir', ipxeDir, '--log-level', 'warn']);
  try {
    for (const f of ['undionly.kpxe', 'ipxe.efi']) {
      const r = await tftpGet({ host: '127.0.0.1', port: srv.tftpPorts[0]!, path: f, options: { tsize: '0', blksize: '1468' } });
      assert.equal(r.error, null, f);
      assert.equal(sha(r.data), sha(readFileSync(path.join(ipxeDir, f))), f);
    }
    const missing = await tftpGet({ host: '127.0.0.1', port: srv.tftpPorts[0]!, path: 'snp.efi.bak' });
    assert.equal(missing.error?.code, 1);
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
