// End to end, arm64 under QEMU (TCG): a board running bootherd's agent
// freezes (QMP stop: nothing answers any more); bootherd notices the lost
// heartbeat, power-cycles it through the ipmi driver, the real ipmitool and a
// pyghmi BMC that drives the VM through QMP; the board comes up in the rescue
// system and reports its SSH address and host key; the test logs in with its
// key and runs a command; end-rescue reboots it back to where it was.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startBmc, type TestBmc } from '../helpers/bmc.js';
import { freeTcpPort, qmp } from '../helpers/qmp.js';
import { guestConsole, requireQemu, startVm, type Vm } from '../helpers/qemu.js';
import { buildIntoDataDir, nodeEvents, startBootherd, tail, waitFor, type Bootherd } from './support.js';

const MAC = '52:54:00:e2:e0:10';

function requireSsh(): void {
  for (const [tool, pkg] of [['ssh', 'openssh-client'], ['ssh-keygen', 'openssh-client']]) {
    if (spawnSync(tool!, ['-V'], { stdio: 'ignore' }).error) throw new Error(`${tool} not found: install the Debian package ${pkg} (scripts/install-test-deps.sh)`);
  }
}

function ssh(key: string, knownHosts: string, port: number, command: string): { code: number | null; out: string } {
  const r = spawnSync('ssh', ['-i', key, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'ConnectTimeout=20', '-o', 'IdentitiesOnly=yes', 'root@127.0.0.1', command], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('a frozen arm64 board is rescued through IPMI and reached over SSH', () => {
  it('heartbeat-lost -> ipmi power-cycle -> rescue-ready -> ssh -> end-rescue', { timeout: 20 * 60_000 }, async (t) => {
    requireQemu('arm64');
    requireSsh();
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'bootherd-e2e-rescue-'));
    const dataDir = path.join(tmp, 'data');
    const qmpSock = path.join(tmp, 'qmp.sock');
    let bootherd: Bootherd | undefined;
    let vm: Vm | undefined;
    let bmc: TestBmc | undefined;
    try {
      const built = await buildIntoDataDir('arm64', dataDir, (line) => t.diagnostic(line));
      const manifest = JSON.parse(await readFile(path.join(built, 'manifest.json'), 'utf8')) as { packages: Array<{ name: string }> };
      assert.ok(manifest.packages.some((p) => p.name === 'dropbear-bin'), 'the image carries Debian\'s dropbear-bin');
      const key = path.join(tmp, 'id_ed25519');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rescue-test', '-f', key]);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'stranger', '-f', path.join(tmp, 'stranger')]);
      bmc = await startBmc({ qmp: qmpSock });
      const config = path.join(tmp, 'config.json');
      await writeFile(config, JSON.stringify({
        agentPollSeconds: 3,
        watchdog: { sweepSeconds: 2, heartbeatSeconds: 15, policy: 'rescue' },
        power: { controllers: [{ name: 'bmc1', driver: 'ipmi', host: '127.0.0.1', port: bmc.port, username: 'admin', password: 'password', timeoutMs: 20_000 }] },
        rescue: { authorizedKeys: [(await readFile(`${key}.pub`, 'utf8')).trim()] },
      }));
      bootherd = await startBootherd(dataDir, ['--config', config]);
      const b = bootherd;
      const prefix = MAC.replace(/:/g, '-');
      const files: Record<string, string> = {};
      for (const name of ['vmlinuz', 'initramfs.gz']) {
        const got = await b.fetchBytes(`/boot/${prefix}/${name}`);
        assert.equal(got.status, 200);
        files[name] = path.join(tmp, name);
        await writeFile(files[name], got.bytes);
      }
      const rendered = String((await b.api('GET', `/api/v1/nodes/${encodeURIComponent(MAC)}/boot-files/cmdline.txt`)).body).trim();
      const append = rendered.replace('console=serial0,115200 console=tty1', `console=${guestConsole('arm64')}`);
      const sshPort = await freeTcpPort();
      const v = await startVm({
        arch: 'arm64', serialLog: path.join(tmp, 'serial.log'), memoryMiB: 448, mac: MAC, noReboot: false, qmpSocket: qmpSock,
        hostForwards: [{ host: sshPort, guest: 22 }],
        boot: { kind: 'direct', kernel: files['vmlinuz']!, initrd: files['initramfs.gz']!, append },
      });
      vm = v;
      const node = async () => (await b.api('GET', `/api/v1/nodes/${encodeURIComponent(MAC)}`)).body as Record<string, any>;
      const describeState = async () => `node: ${JSON.stringify(await node())}\nevents: ${JSON.stringify((await nodeEvents(b, MAC)).slice(-12).map((e) => [e.kind, e.data]))}\nserial:\n${tail(await v.readSerial())}`;
      const ready = await waitFor('the board to enroll and hold in ready', 5 * 60_000, async () => ((await node()).state === 'ready' ? node() : undefined), describeState);
      assert.equal((await b.api('PUT', `/api/v1/nodes/${ready.id}/power`, { controller: 'bmc1', port: '1' })).status, 200);
      // Heartbeats keep it healthy across several watchdog windows' worth of sweeps.
      const firstBeat = (await node()).lastHeartbeatAt as string;
      await waitFor('a fresh agent heartbeat', 60_000, async () => ((await node()).lastHeartbeatAt > firstBeat ? true : undefined), describeState);
      assert.equal((await node()).health, 'ok');

      await qmp(qmpSock, 'stop');
      const hungAt = Date.now();
      t.diagnostic('guest frozen with QMP stop');
      const rescued = await waitFor('rescue-ready from the rescue system', 8 * 60_000, async () => {
        const n = await node();
        return n.rescueAccess ? n : undefined;
      }, describeState, 1000);
      const hangToRescue = (Date.now() - hungAt) / 1000;
      t.diagnostic(`hang to rescue-ready: ${hangToRescue.toFixed(1)} s`);
      const events = await nodeEvents(b, MAC);
      const wedged = events.find((e) => e.kind === 'wedged');
      assert.equal(wedged?.data.reason, 'heartbeat-lost');
      assert.equal(wedged?.data.action, 'rescue');
      const power = events.filter((e) => e.kind === 'power');
      assert.deepEqual(power.map((e) => [e.data.op, e.data.controller, e.data.outcome]), [['cycle', 'bmc1', 'ok']]);
      assert.match(String(power[0]!.data.detail), /Chassis Power Control: Cycle/);
      assert.deepEqual(await bmc.controls(), ['cycle'], 'the BMC carried out one power cycle (QMP system_reset + cont)');
      assert.equal(rescued.state, 'rescue');
      assert.match(rescued.rescueAccess.ssh, /^10\.0\.2\.15:22$/);
      assert.match(rescued.rescueAccess.hostKey, /^ssh-ed25519 [A-Za-z0-9+/]+=*$/);

      // Log in with the test key, checking the host key the board reported.
      const knownHosts = path.join(tmp, 'known_hosts');
      await writeFile(knownHosts, `[127.0.0.1]:${sshPort} ${rescued.rescueAccess.hostKey}\n`);
      const login = await waitFor('an SSH login', 60_000, async () => {
        const r = ssh(key, knownHosts, sshPort, 'echo rescued-$(uname -m); cat /proc/cmdline');
        return r.code === 0 ? r : undefined;
      }, async () => ssh(key, knownHosts, sshPort, 'true').out, 2000);
      assert.match(login.out, /rescued-aarch64/);
      assert.match(login.out, /bootherd\.url=http:\/\/10\.0\.2\.2:\d+/);
      const stranger = ssh(path.join(tmp, 'stranger'), knownHosts, sshPort, 'true');
      assert.notEqual(stranger.code, 0, 'a key not in rescue.authorizedKeys is refused');
      assert.match(stranger.out, /Permission denied/);
      await waitFor('the watchdog to see the board recovered', 60_000, async () => ((await node()).health === 'ok' ? true : undefined), describeState);
      assert.ok((await nodeEvents(b, MAC)).some((e) => e.kind === 'recovered'));

      const end = await b.api('POST', `/api/v1/nodes/${ready.id}/actions/end-rescue`);
      assert.equal(end.status, 202, JSON.stringify(end.body));
      assert.equal(end.body.node.state, 'ready');
      const endedAt = new Date().toISOString();
      await waitFor('the board to reboot out of rescue and hold again', 5 * 60_000, async () => {
        const evs = await nodeEvents(b, MAC);
        const rebooted = evs.some((e) => e.kind === 'agent-action' && e.data.action === 'reboot');
        const back = evs.some((e) => e.kind === 'inventory' && (e.at ?? '') > endedAt);
        // health is the watchdog's verdict: the next sweep after the boot says ok.
        return rebooted && back && (await node()).health === 'ok' ? true : undefined;
      }, describeState, 1000);
      const after = await node();
      assert.deepEqual([after.state, after.health, after.rescueAccess ?? null], ['ready', 'ok', null]);
      assert.notEqual(ssh(key, knownHosts, sshPort, 'true').code, 0, 'the rescue SSH server is gone after the reboot');
    } finally {
      vm?.kill();
      await bootherd?.stop();
      await bmc?.stop();
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
