// The real iPXE ROM (QEMU's, from ipxe-qemu) on a tap in the lab: dnsmasq
// gives only the lease, bootherd's proxyDHCP the boot answer. With
// `ipxeRoms: reload` the ROM first loads Debian's undionly.kpxe from
// bootherd's TFTP; that iPXE is chained to /boot.ipxe over HTTP, boots the
// discovery image and the node reaches `ready`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { qemuArgs, requireIpxeRom, requireQemu } from '../helpers/qemu.js';
import { buildIntoDataDir, tail, waitFor } from '../e2e/support.js';
import { createLab, startLabBootherd, type Lab, type LabBootherd } from './lab.js';

const MAC = '52:54:00:d4:c9:01';

it('QEMU\'s iPXE ROM: lease from dnsmasq, iPXE over bootherd\'s TFTP, /boot.ipxe over HTTP, node ready', { timeout: 15 * 60_000 }, async (t) => {
  requireQemu('amd64');
  requireIpxeRom();
  let lab: Lab | undefined;
  let b: LabBootherd | undefined;
  let qemu: ReturnType<Lab['spawnIn']> | undefined;
  try {
    lab = createLab();
    const l = lab;
    const data = path.join(l.tmp, 'data');
    await buildIntoDataDir('amd64', data, (line) => t.diagnostic(line));
    const config = path.join(l.tmp, 'bootherd.json');
    writeFileSync(config, JSON.stringify({ dhcp: { proxy: { enabled: true, interface: 'br0', ipxeRoms: 'reload' } } }));
    mkdirSync(path.join(l.tmp, 'fw'), { recursive: true });
    b = await startLabBootherd(l, data, ['--config', config, '--tftp', '0.0.0.0:69', '--firmware-dir', path.join(l.tmp, 'fw'), '--log-level', 'info']);
    const bh = b;

    const tap = `tap${randomBytes(3).toString('hex')}`;
    l.exec(l.ns.server, ['ip', 'tuntap', 'add', 'dev', tap, 'mode', 'tap']);
    l.exec(l.ns.server, ['ip', 'link', 'set', tap, 'master', 'br0', 'up']);
    const serialLog = path.join(l.tmp, 'serial.log');
    writeFileSync(serialLog, '');
    const args = qemuArgs({ arch: 'amd64', serialLog, memoryMiB: 512, mac: MAC, boot: { kind: 'ipxe', tftpDir: l.tmp, bootfile: 'none' } });
    const netdev = args.indexOf('-netdev') + 1;
    args[netdev] = `tap,id=n0,ifname=${tap},script=no,downscript=no`;
    qemu = l.spawnIn(l.ns.server, ['qemu-system-x86_64', ...args]);
    let qemuErr = '';
    qemu.stderr!.on('data', (d: Buffer) => (qemuErr += d.toString()));
    const vm = qemu;
    const serial = () => readFileSync(serialLog, 'utf8');
    const node = () => bh.api('GET', `/api/v1/nodes/${MAC}`);
    const describe = () => `node: ${JSON.stringify(node().body)}\nmetrics:\n${String(bh.api('GET', '/metrics').body).split('\n').filter((x) => /dhcp|tftp/.test(x)).join('\n')}\nqemu: ${qemuErr}\nserial:\n${tail(serial())}\nbootherd:\n${tail(bh.output())}\ndnsmasq:\n${tail(l.dnsmasqLog())}`;
    const started = Date.now();
    const ready = await waitFor('the VM to reach ready through the proxyDHCP', 8 * 60_000, async () => {
      if (vm.exitCode !== null) throw new Error(`qemu exited ${vm.exitCode}\n${describe()}`);
      const n = node();
      return n.status === 200 && n.body.state === 'ready' ? n.body : undefined;
    }, describe, 1000);
    t.diagnostic(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    assert.deepEqual(ready.identity.macs, [MAC]);
    assert.equal(ready.hardware.arch, 'x86_64');
    assert.ok(String(ready.lastIp).startsWith(`${l.prefix}.1`), `the discovery image took dnsmasq's lease: ${ready.lastIp}`);
    const metrics = String(bh.api('GET', '/metrics').body);
    const count = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? 0);
    // The ROM is offered the binary, the iPXE it loads the chain URL (iPXE skips
    // port 4011 when the offer names a server and a file).
    assert.ok(count(/bootherd_dhcp_requests_total\{kind="ipxe",outcome="offered"\} (\d+)/) >= 2, metrics);
    const tftp = count(/bootherd_tftp_transfers_total\{outcome="completed"\} (\d+)/);
    assert.ok(tftp >= 1, `undionly.kpxe came over bootherd's TFTP\n${metrics}`);
    assert.ok(tftp <= 2, `no chain-loading loop: ${tftp} TFTP transfers\n${metrics}`);
    const kinds = (bh.api('GET', `/api/v1/nodes/${ready.id}/events`).body.events as Array<{ kind: string; data: Record<string, unknown> }>);
    assert.ok(kinds.some((e) => e.kind === 'ipxe' && e.data.plan === 'discovery'), 'iPXE fetched its script from /ipxe after /boot.ipxe');
    assert.match(serial(), new RegExp(`bootherd\\.url=http://${l.serverIp.replace(/\./g, '\\.')}:${bh.port}`));
  } finally {
    if (qemu && qemu.exitCode === null) qemu.kill('SIGKILL');
    await b?.stop();
    lab?.close();
  }
});
