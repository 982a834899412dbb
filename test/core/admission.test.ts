// Boot admission in a real bootherd (TFTP on 127.0.0.1:0, the proxyDHCP on
// loopback, a real SQLite file) with a budget of one board: a second Pi is
// turned away at its first firmware file with ERROR 0, or hears nothing to
// its DISCOVER, until the first one has its initramfs; its place, the budget
// and the measured rate show in the API and /metrics, its health (deferred)
// in the API and `nodes show`; a slot that outlives its deadline
// ends with an event and counts as a slot timeout.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { helloPacket, piMachineId, summarise, type SeenReply } from '../dhcp/client.js';
import { runCli } from '../helpers/process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tftpGet } from '../helpers/tftp-client.js';
import { until } from '../helpers/until.js';

const pi4 = { tsize: '0', blksize: '1024' };

function bootFiles(dir: string): string {
  const fw = path.join(dir, 'firmware');
  const disc = path.join(dir, 'data/assets/discovery/arm64');
  mkdirSync(fw, { recursive: true });
  mkdirSync(disc, { recursive: true });
  writeFileSync(path.join(fw, 'start4.elf'), Buffer.alloc(100_000, 1));
  writeFileSync(path.join(fw, 'fixup4.dat'), Buffer.alloc(5_000, 2));
  writeFileSync(path.join(disc, 'vmlinuz'), Buffer.alloc(300_000, 3));
  writeFileSync(path.join(disc, 'initramfs.gz'), Buffer.alloc(100_000, 4));
  return fw;
}

async function start(dir: string, admission: Record<string, unknown>, dhcpClientPort?: number): Promise<TestServer> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  const dhcp = dhcpClientPort ? { dhcp: { proxy: { enabled: true, listen: '127.0.0.1', port: 0, pxePort: 0, clientPort: dhcpClientPort, replyAddress: '127.0.0.1' } } } : {};
  writeFileSync(file, JSON.stringify({ admission: { minBoards: 1, maxBoards: 1, initialBoards: 1, ...admission }, ...dhcp }));
  return startTestServer({ config: file, 'no-tftp': false, tftp: '127.0.0.1:0', 'firmware-dir': bootFiles(dir), 'data-dir': path.join(dir, 'data') }, { dataDir: path.join(dir, 'data') });
}

const metric = async (srv: TestServer, re: RegExp): Promise<number | null> => {
  const m = re.exec(String((await srv.api('GET', '/metrics')).body));
  return m ? Number(m[1]) : null;
};

describe('boot admission', { timeout: 120_000 }, () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-admission-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('turns a second board away at start4.elf with ERROR 0 until the first has its initramfs, and shows why', async () => {
    const srv = await start(path.join(dir, 'tftp'), { holdSeconds: 0 });
    try {
      const get = (p: string, probe = false) => tftpGet({ host: '127.0.0.1', port: srv.running.tftp[0]!.port, path: p, options: pi4, earlyTerminate: probe ? 'oack' : undefined });
      assert.equal((await get('aaaa0001/start4.elf', true)).error, null, 'the first board is admitted');
      const refused = await get('bbbb0002/start4.elf', true);
      assert.deepEqual(refused.error, { code: 0, message: 'boot deferred: admission queue position 1' });
      const b = (await srv.api('GET', '/api/v1/nodes/bbbb0002')).body;
      assert.equal(b.admission.state, 'deferred');
      assert.equal(b.admission.position, 1);
      assert.equal(b.admission.via, 'tftp');
      assert.ok(Date.parse(b.admission.admitBy) > Date.parse(b.admission.since));
      assert.equal((await srv.api('GET', '/api/v1/nodes/aaaa0001')).body.admission.state, 'admitted');
      assert.equal(await metric(srv, /bootherd_admission_queue_length (\d+)/), 1);
      assert.equal(await metric(srv, /bootherd_admission_slots_in_use (\d+)/), 1);
      assert.equal(await metric(srv, /bootherd_admission_budget\{what="boards"\} (\d+)/), 1);
      assert.equal(await metric(srv, /bootherd_admission_deferred_total\{via="tftp"\} (\d+)/), 1);
      assert.equal(await metric(srv, /bootherd_admission_admitted_total\{via="tftp"\} (\d+)/), 1);
      // Health as the API, `nodes show` and the rack view show it: the waiting board deferred, the admitted one as the watchdog has it.
      assert.deepEqual([b.health, b.healthReason], ['deferred', 'waiting for a boot slot, place 1 in the queue']);
      const listed = (await srv.api('GET', '/api/v1/nodes')).body.nodes.map((n: { identity: { serial: string }; health: string }) => [n.identity.serial, n.health]).sort();
      assert.deepEqual(listed, [['aaaa0001', 'ok'], ['bbbb0002', 'deferred']]);
      const shown = await runCli(['nodes', 'show', 'bbbb0002', '--url', srv.url, '--admin-token', srv.token]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^HEALTH\s+deferred \(waiting for a boot slot, place 1 in the queue\)$/m);
      // A file past the first one is served to a board without a slot (it is mid-boot), and counts nothing.
      assert.equal((await get('bbbb0002/fixup4.dat')).error, null);
      await until('the deferral event', async () => (await srv.api('GET', '/api/v1/nodes/bbbb0002/events?kind=admission')).body.events.length === 1);

      for (const f of ['start4.elf', 'fixup4.dat', 'vmlinuz', 'initramfs.gz']) assert.equal((await get(`aaaa0001/${f}`)).error, null, f);
      const done = (await srv.api('GET', '/api/v1/nodes/aaaa0001')).body;
      assert.equal(done.admission, null, 'the slot ended with the initramfs');
      assert.equal((await get('bbbb0002/start4.elf', true)).error, null, 'the waiting board is admitted now');
      const events = (await srv.api('GET', '/api/v1/nodes/bbbb0002/events?kind=admission')).body.events.map((e: { data: Record<string, unknown> }) => e.data);
      assert.deepEqual(events.map((e: Record<string, unknown>) => [e.action, e.via]), [['deferred', 'tftp'], ['admitted', 'tftp']]);
      assert.ok(Number(events[1].waitedSeconds) > 0);
      // The rate is taken at the admission sweep (every second).
      await until('the transfers measured', async () => Number(await metric(srv, /bootherd_admission_rate_bytes_per_second\{what="measured"\} (\d+)/)) > 0, 50);
      assert.equal(await metric(srv, /bootherd_admission_releases_total\{reason="done"\} (\d+)/), 1);
    } finally {
      await srv.stop();
    }
  });

  it('keeps a deferred Pi\'s DISCOVER unanswered, and answers the held one the moment the slot frees', async () => {
    const client = dgram.createSocket('udp4');
    const replies: SeenReply[] = [];
    client.on('message', (m, r) => {
      const s = summarise(m, r.address);
      if (s) replies.push(s);
    });
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const srv = await start(path.join(dir, 'dhcp'), { maxDeferSeconds: 30 }, client.address().port);
    try {
      const discover = (mac: string, serial: string, xid: number) => client.send(helloPacket({ mac, xid, machineId: piMachineId('RPi4', 'c03111', mac, serial) }), srv.running.dhcp!.port, '127.0.0.1');
      discover('dc:a6:32:00:00:01', 'cccc0003', 1);
      await until('the first Pi is answered', () => replies.some((r) => r.xid === 1));
      const get = (f: string) => tftpGet({ host: '127.0.0.1', port: srv.running.tftp[0]!.port, path: `cccc0003/${f}`, options: pi4 });
      assert.equal((await get('vmlinuz')).error, null);
      // Sent once, never again: an answer to it can only come from the held request (held up to 2 s).
      discover('dc:a6:32:00:00:02', 'dddd0004', 2);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(!replies.some((r) => r.xid === 2), 'no answer while the budget is taken');
      assert.equal((await srv.api('GET', '/api/v1/nodes/dddd0004')).body.admission?.state, 'deferred');
      assert.equal((await get('initramfs.gz')).error, null);
      await until('the held DISCOVER answered', () => replies.some((r) => r.xid === 2), 15);
      assert.match(replies.find((r) => r.xid === 2)!.opt43 ?? '', /52617370626572727920506920426f6f74/, 'a Raspberry Pi Boot offer');
      assert.equal((await srv.api('GET', '/api/v1/nodes/dddd0004')).body.admission?.state, 'admitted');
    } finally {
      await srv.stop();
      client.close();
    }
  });

  it('leaves a waiting board\'s first RRQ unanswered, serves a resend once the slot frees, and turns a board away after holdSeconds', async () => {
    const srv = await start(path.join(dir, 'hold'), { holdSeconds: 3 });
    try {
      const get = (p: string, o: { probe?: boolean; resendMs?: number } = {}) => tftpGet({ host: '127.0.0.1', port: srv.running.tftp[0]!.port, path: p, options: pi4, earlyTerminate: o.probe ? 'oack' : undefined, resendMs: o.resendMs, timeoutMs: 20_000 });
      const held = async () => Number(await metric(srv, /bootherd_admission_held_total (\d+)/) ?? 0);
      assert.equal((await get('a1a10001/start4.elf', { probe: true })).error, null, 'the first board is admitted');
      // The second board sends its RRQ again every 250 ms, as a Pi does after silence; nothing answers it while the slot is taken.
      const waiting = get('b2b20002/start4.elf', { resendMs: 250 });
      await until('the RRQ held and resent', async () => (await held()) >= 2, 50);
      const b = (await srv.api('GET', '/api/v1/nodes/b2b20002')).body;
      assert.deepEqual([b.admission?.state, b.admission?.via], ['deferred', 'tftp']);
      assert.equal(await metric(srv, /bootherd_admission_deferred_total\{via="tftp"\} (\d+)/), null, 'nothing turned away');
      for (const f of ['start4.elf', 'fixup4.dat', 'vmlinuz', 'initramfs.gz']) assert.equal((await get(`a1a10001/${f}`)).error, null, f);
      const served = await waiting;
      assert.equal(served.error, null, 'a resend is served once the slot is free: still the board\'s first try');
      assert.equal(served.data?.length, 100_000);
      assert.equal((await srv.api('GET', '/api/v1/nodes/b2b20002')).body.admission?.state, 'admitted');
      // The slot is taken again (the second board is mid-boot): a third board is held for holdSeconds, then gets ERROR 0.
      const before = await held();
      const refused = await get('c3c30003/start4.elf', { resendMs: 250 });
      assert.deepEqual(refused.error, { code: 0, message: 'boot deferred: admission queue position 1' });
      assert.ok((await held()) - before >= 4, 'its RRQs were held before it was turned away');
      assert.equal(await metric(srv, /bootherd_admission_deferred_total\{via="tftp"\} (\d+)/), 1);
    } finally {
      await srv.stop();
    }
  });

  it('ends a slot held past its deadline with a slot-timeout event, and the next board goes on', async () => {
    const srv = await start(path.join(dir, 'deadline'), { slotSeconds: 2, idleSeconds: 60, holdSeconds: 0 });
    try {
      const get = (p: string) => tftpGet({ host: '127.0.0.1', port: srv.running.tftp[0]!.port, path: p, options: pi4, earlyTerminate: 'oack' });
      assert.equal((await get('eeee0005/start4.elf')).error, null);
      assert.equal((await get('ffff0006/start4.elf')).error?.code, 0, 'the budget is taken');
      await until('the slot to time out', async () => (await srv.api('GET', '/api/v1/nodes/eeee0005')).body.admission === null, 100);
      const ev = (await srv.api('GET', '/api/v1/nodes/eeee0005/events?kind=admission')).body.events;
      assert.deepEqual(ev.map((e: { data: Record<string, unknown> }) => [e.data.action, e.data.reason, e.data.stage]), [['slot-timeout', 'deadline', 'none']]);
      assert.equal((await get('ffff0006/start4.elf')).error, null, 'the waiting board is admitted');
      assert.equal(await metric(srv, /bootherd_admission_releases_total\{reason="deadline"\} (\d+)/), 1);
      assert.equal(await metric(srv, /bootherd_admission_slot_timeouts_total\{reason="deadline"\} (\d+)/), 1);
    } finally {
      await srv.stop();
    }
  });

  it('refuses a bad admission block at start, naming every problem', async () => {
    await assert.rejects(start(path.join(dir, 'bad'), { maxBoards: 0, bytesPerSecond: 'fast', headroom: 2 }), (err: Error) => /admission\.maxBoards/.test(err.message) && /admission\.bytesPerSecond/.test(err.message) && /admission\.headroom/.test(err.message));
    await assert.rejects(start(path.join(dir, 'bad-hold'), { holdSeconds: 30, fileTimeoutSeconds: 30 }), (err: Error) => /admission\.holdSeconds/.test(err.message) && /under fileTimeoutSeconds/.test(err.message));
  });
});
