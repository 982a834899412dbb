// Loss recovery: Pi-like clients (lock-step, their ACK resent after 1 s of
// silence, a file given up after 30 s) boot through a proxy that drops,
// duplicates and reorders datagrams each way, and atftp fetches through it
// too. Every file must arrive complete and byte-exact. The server runs in a
// process of its own with its production defaults, as it would for real.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startLossyProxy } from '../helpers/lossy-proxy.js';
import type { LossyProxy, LossModel } from '../helpers/lossy-proxy.js';
import { piClient, tftpGet } from '../helpers/tftp-client.js';
import { forkServer, makeFixture, sha256 } from './support.js';
import type { Fixture, ServerProcess } from './support.js';

const MiB = 1024 * 1024;
/** A Pi 4 boot set as the bootloader fetches it, kernel included. */
const bootSet: Record<string, number> = {
  'start4.elf': 2_200_000,
  'fixup4.dat': 5 * 1024,
  'bcm2711-rpi-4-b.dtb': 52 * 1024,
  'config.txt': 180,
  'cmdline.txt': 120,
  'kernel8.img': 8 * MiB,
};
/** 2% of datagrams dropped each way, and a few duplicated or reordered. */
const link: LossModel = { drop: 0.02, duplicate: 0.005, reorder: 0.005 };
const pis = 2;

describe('tftp server through a lossy link', () => {
  let fx: Fixture;
  let srv: ServerProcess;
  let proxy: LossyProxy;
  before(async () => {
    fx = await makeFixture(bootSet);
    srv = await forkServer(fx.dir, 128 * MiB);
    proxy = await startLossyProxy({ target: { host: '127.0.0.1', port: srv.port }, seed: 9, toServer: link, toClient: link });
  });
  after(async () => {
    await proxy.close();
    await srv.stop();
    await fx.cleanup();
  });

  // One Pi: the start4.elf probe, then every file of the set, each checked.
  const boot = async (i: number): Promise<string[]> => {
    const localAddress = `127.0.9.${10 + i}`;
    const get = (name: string, extra = {}) => tftpGet({ ...piClient, host: proxy.address, port: proxy.port, path: name, localAddress, ...extra });
    const problems: string[] = [];
    const probe = await get('start4.elf', { earlyTerminate: 'oack' }).catch((err: Error) => err);
    if (probe instanceof Error || probe.oack?.tsize !== '2200000') problems.push(`pi ${i}: probe of start4.elf failed`);
    for (const [name, content] of fx.files) {
      const res = await get(name).catch((err: Error) => err);
      if (res instanceof Error) problems.push(`pi ${i}: ${res.message}`);
      else if (res.error || sha256(res.data) !== sha256(content)) problems.push(`pi ${i}: ${name} arrived wrong (${res.bytes} of ${content.length} bytes, ${JSON.stringify(res.error)})`);
    }
    return problems;
  };

  it(`boots ${pis} Pi-like clients at 2% loss each way, every file complete and exact`, async () => {
    const problems = (await Promise.all(Array.from({ length: pis }, (_, i) => boot(i)))).flat();
    assert.deepEqual(problems, []);
    const st = proxy.stats();
    assert.ok(st.toServer.dropped > 0 && st.toClient.dropped > 0, 'the proxy dropped datagrams both ways');
    // (The server's own count can fall short: a lost final ACK is never resent by a client that has its file.)
    assert.ok((await srv.stats()).tftp.retransmits > 0, 'the server repaired losses');
  });

  // atftp 0.8 answers a repeated DATA with one extra ACK and ignores the rest,
  // and never resends an ACK on its own: once an ACK and that extra ACK are
  // both lost it waits for good, whatever the server does. So its ACKs pass
  // (duplicated and reordered, not dropped), and 2% of what the server sends is lost.
  it('atftp fetches the kernel intact when 2% of the server\'s datagrams are lost', async () => {
    const lossy = await startLossyProxy({ target: { host: '127.0.0.1', port: srv.port }, seed: 11, toServer: { duplicate: 0.005, reorder: 0.005 }, toClient: link });
    const out = await mkdtemp(path.join(tmpdir(), 'bootherd-tftp-lossy-'));
    try {
      const dest = path.join(out, 'kernel8.img');
      await promisify(execFile)('atftp', ['--get', '-r', 'kernel8.img', '-l', dest, '--option', 'tsize 0', '--option', 'blksize 1024', lossy.address, String(lossy.port)], { timeout: 120_000 });
      assert.ok(lossy.stats().toClient.dropped > 0);
      assert.equal(sha256(await readFile(dest)), sha256(fx.files.get('kernel8.img')!));
    } finally {
      await lossy.close();
      await rm(out, { recursive: true, force: true });
    }
  });
});
