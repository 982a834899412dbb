// The agent's HTTP loop against a fake API that fails first: it backs off
// exponentially, never spins, recovers, enrolls, polls and obeys.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAgent } from './agent-runner.js';
import { ok, startFakeApi, type SeenRequest } from './fake-api.js';
import { writeTree, x86Tree } from './fake-root.js';

// The host's dropbearkey (Debian dropbear-bin) makes the rescue host key, as the image's does.
const requireDropbearkey = () => {
  if (!existsSync('/usr/bin/dropbearkey')) throw new Error('/usr/bin/dropbearkey not found: install the Debian package dropbear-bin (scripts/install-test-deps.sh)');
  return '/usr/bin/dropbearkey';
};
const gaps = (rs: SeenRequest[]) => rs.slice(1).map((r, i) => (r.at - rs[i]!.at) / 1000);

describe('agent HTTP loop (busybox sh against a fake API)', () => {
  let tmp: string;
  before(async () => (tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-agent-http-'))));
  after(async () => rm(tmp, { recursive: true, force: true }));

  async function fakeRoot(name: string, url: string): Promise<string> {
    const root = path.join(tmp, name);
    await writeTree(root, { ...x86Tree(), 'proc/cmdline': `console=ttyS0 bootherd.url=${url} bootherd.token=boot-secret bootherd.mode=discovery\n` });
    return root;
  }

  it('backs off on 500 and garbage, then enrolls, heartbeats and powers off', async () => {
    const api = await startFakeApi({
      discovery: [{ status: 500, body: 'boom' }, { status: 200, body: '<html>not json' }, ok({ nodeId: 'node-7', token: 'agent.tok-7', next: { action: 'hold' } })],
      next: [{ status: 503 }, ok({ action: 'hold', pollSeconds: 1 }), ok({ action: 'poweroff' })],
    });
    try {
      const root = await fakeRoot('flaky', api.url);
      const run = await runAgent(['run'], { BOOTHERD_ROOT: root, BOOTHERD_NOEXEC: '1', BOOTHERD_MAX_ITER: '20' });
      const logText = run.log.map((l) => l.line).join('\n');
      assert.equal(run.code, 0, logText);
      assert.match(logText, /bootherd-agent: poweroff requested by bootherd/);

      const disc = api.requests.filter((r) => r.path === '/api/v1/discovery');
      assert.equal(disc.length, 3);
      const [g1, g2] = gaps(disc) as [number, number];
      assert.ok(g1 >= 0.95 && g2 >= 1.95 && g2 > g1, `discovery retries should back off 1 s then 2 s, got ${g1}, ${g2}`);
      const first = disc[0]!.at;
      assert.ok(api.requests.filter((r) => r.at - first < 2500).length <= 3, 'no more than 3 requests in the first 2.5 s');
      for (const r of disc) {
        assert.equal(r.authorization, 'Bearer boot-secret');
        assert.equal(r.contentType, 'application/json');
        assert.deepEqual((JSON.parse(r.body) as { nics: unknown }).nics, [{ name: 'ens3', mac: '52:54:00:aa:bb:cc', booted: false }]);
      }

      const afterEnroll = api.requests.slice(3).map((r) => `${r.method} ${r.path} ${r.authorization ?? ''} ${r.body}`);
      assert.deepEqual(afterEnroll, [
        'GET /api/v1/agent/next Bearer agent.tok-7 ',
        'GET /api/v1/agent/next Bearer agent.tok-7 ',
        'POST /api/v1/agent/report Bearer agent.tok-7 {"kind":"heartbeat"}',
        'GET /api/v1/agent/next Bearer agent.tok-7 ',
      ]);
      const next = api.requests.filter((r) => r.path === '/api/v1/agent/next');
      assert.ok(gaps(next)[0]! >= 0.95, 'a failed poll waits before retrying');
    } finally {
      await api.close();
    }
  });

  it('keeps backing off, doubling the wait, while nothing listens', async () => {
    const api = await startFakeApi({ discovery: [], next: [] });
    await api.close(); // the port is now closed: connection refused
    const root = await fakeRoot('down', api.url);
    const run = await runAgent(['run'], { BOOTHERD_ROOT: root, BOOTHERD_NOEXEC: '1', BOOTHERD_MAX_ITER: '3' });
    assert.equal(run.code, 0);
    const retries = run.log.filter((l) => /discovery failed.*retrying in/.test(l.line));
    assert.equal(retries.length, 3);
    const waits = retries.map((l) => Number(/retrying in ([0-9.]+)s/.exec(l.line)?.[1]));
    waits.forEach((w, i) => assert.ok(w >= 2 ** i && w <= 2 ** i * 1.25, `wait ${i} = ${w}`));
    const [g1, g2] = gaps(retries.map((l) => ({ at: l.at }) as SeenRequest)) as [number, number];
    assert.ok(g1 >= 0.95 && g2 >= 1.95, `gaps ${g1} ${g2}`);
  });

  it('rescue: fetches the authorized keys, starts dropbear with keys only, reports ssh and host key, then obeys the next action', async () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGv4cFxW3b1O2lL8s6lJxv8Zr0nq2m1m5o5JvC4s3e9k ops@rack1';
    const keys = `${key}\ncommand="/bin/sh" ${key}\nrm -rf /\n`;
    const api = await startFakeApi({
      discovery: [ok({ nodeId: 'node-8', token: 'tok-8', next: { action: 'rescue', pollSeconds: 1 } })],
      next: [ok({ action: 'rescue', pollSeconds: 1 }), ok({ action: 'reboot' })],
      files: { '/api/v1/agent/rescue-keys': Buffer.from(keys) },
    });
    try {
      const root = await fakeRoot('rescue', api.url);
      await writeTree(root, { 'run/bootherd/ip': '10.0.2.15\n' });
      const run = await runAgent(['run'], { BOOTHERD_ROOT: root, BOOTHERD_NOEXEC: '1', BOOTHERD_MAX_ITER: '20', BOOTHERD_DROPBEARKEY: requireDropbearkey() });
      const logText = run.log.map((l) => l.line).join('\n');
      assert.equal(run.code, 0, logText);
      assert.match(logText, /reboot requested by bootherd/);
      assert.match(logText, /not running \S*dropbear -r \S+dropbear_ed25519_host_key -p 22 -s -g -j -k -P /, 'dropbear: that host key, no password logins, no forwarding');
      assert.equal(await readFile(path.join(root, 'root/.ssh/authorized_keys'), 'utf8'), `${key}\n`, 'only the plain key line is kept');
      const hostKey = execFileSync(requireDropbearkey(), ['-y', '-f', path.join(root, 'etc/dropbear/dropbear_ed25519_host_key')]).toString().split('\n').find((l) => l.startsWith('ssh-ed25519 '))!.split(' ').slice(0, 2).join(' ');
      const trail = api.requests.map((r) => `${r.method} ${r.path} ${r.body.startsWith('{"kind"') ? r.body : ''}`.trim());
      assert.deepEqual(trail, [
        'POST /api/v1/discovery',
        'GET /api/v1/agent/rescue-keys',
        `POST /api/v1/agent/report {"kind":"rescue-ready","ssh":"10.0.2.15:22","hostKey":"${hostKey}"}`,
        'GET /api/v1/agent/next',
        'GET /api/v1/agent/next',
      ]);
      assert.equal(api.requests[1]!.authorization, 'Bearer tok-8');
    } finally {
      await api.close();
    }
  });
});
