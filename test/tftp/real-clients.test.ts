// Independent TFTP clients (Debian packages atftp, curl, busybox-static,
// tftp-hpa) fetch random and edge-size files; every copy must match by sha256.
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { edgeSizes, makeFixture, sha256, startServer, until } from './support.js';
import type { Fixture, Running } from './support.js';

const run = promisify(execFile);

interface Client {
  name: string;
  binary: string;
  debianPackage: string;
  args(file: string, out: string, port: number): string[];
  /** Option names the server must have seen in the RRQ. */
  expectOptions?: Record<string, string>;
}

const clients: Client[] = [
  { name: 'atftp (Pi 4 options)', binary: 'atftp', debianPackage: 'atftp', args: (f, o, p) => ['--get', '-r', f, '-l', o, '--option', 'tsize 0', '--option', 'blksize 1024', '127.0.0.1', String(p)], expectOptions: { tsize: '0', blksize: '1024' } },
  { name: 'atftp (windowsize 8)', binary: 'atftp', debianPackage: 'atftp', args: (f, o, p) => ['--get', '-r', f, '-l', o, '--option', 'windowsize 8', '127.0.0.1', String(p)], expectOptions: { windowsize: '8' } },
  // curl 7.88 rejects an OACK carrying "tsize 0" (lib/tftp.c: "invalid tsize"),
  // which is the true answer for an empty file; it fetches that one without options.
  { name: 'curl (blksize 1468)', binary: 'curl', debianPackage: 'curl', args: (f, o, p) => ['-s', '-S', ...(f === 'empty.bin' ? ['--tftp-no-options'] : ['--tftp-blksize', '1468']), `tftp://127.0.0.1:${p}/${f}`, '-o', o] },
  { name: 'busybox tftp', binary: 'busybox', debianPackage: 'busybox-static', args: (f, o, p) => ['tftp', '-g', '-r', f, '-l', o, '-b', '1024', '127.0.0.1', String(p)], expectOptions: { blksize: '1024' } },
  { name: 'tftp-hpa (RFC 1350, no options)', binary: 'tftp', debianPackage: 'tftp-hpa', args: (f, o, p) => ['127.0.0.1', String(p), '-m', 'binary', '-c', 'get', f, o] },
];

// A missing client is a failure naming the package to install, never a skip.
async function requireBinary(binary: string, debianPackage: string): Promise<void> {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      await access(path.join(dir, binary), constants.X_OK);
      return;
    } catch {
      /* keep looking */
    }
  }
  assert.fail(`${binary} not found on PATH: install the Debian package ${debianPackage} (scripts/install-test-deps.sh)`);
}

describe('tftp server with real clients', () => {
  let fx: Fixture;
  let srv: Running;
  let out: string;
  before(async () => {
    fx = await makeFixture({ ...edgeSizes, 'boot/initramfs': 4 * 1024 * 1024 + 777 });
    srv = await startServer(fx.dir);
    out = await mkdtemp(path.join(tmpdir(), 'bootherd-tftp-out-'));
  });
  after(async () => {
    await srv.stop();
    await fx.cleanup();
    await rm(out, { recursive: true, force: true });
  });

  for (const client of clients) {
    it(`${client.name} fetches every file intact`, async () => {
      await requireBinary(client.binary, client.debianPackage);
      await until(() => srv.server.stats().active === 0, 'earlier transfers to end');
      srv.records.length = 0;
      srv.requests.length = 0;
      for (const [name, content] of fx.files) {
        const dest = path.join(out, `${client.binary}-${name.replaceAll('/', '_')}`);
        await run(client.binary, client.args(name, dest, srv.port), { timeout: 30_000 });
        assert.equal(sha256(await readFile(dest)), sha256(content), `${client.name}: ${name}`);
      }
      await until(() => srv.server.stats().active === 0, 'transfers to end');
      assert.deepEqual(srv.records.splice(0).map((r) => r.outcome), [...fx.files.keys()].map(() => 'complete'));
      for (const req of srv.requests.splice(0)) {
        assert.deepEqual({ ...req.options, ...client.expectOptions }, req.options, `${client.name} asked for ${JSON.stringify(client.expectOptions)}`);
      }
    });
  }
});
