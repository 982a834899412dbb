import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/process.js';

function dnsmasqAccepts(conf: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-dm-'));
  try {
    writeFileSync(path.join(dir, 'd.conf'), conf);
    const r = spawnSync('dnsmasq', ['--test', '-C', path.join(dir, 'd.conf')], { encoding: 'utf8' });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') assert.fail('dnsmasq is missing: install the Debian package dnsmasq-base (scripts/install-test-deps.sh)');
    assert.equal(r.status, 0, `dnsmasq refused the configuration: ${r.stderr}`);
    return r.stdout + r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('proxy mode: Pis get "Raspberry Pi Boot", PXE ROMs get iPXE, iPXE gets the chain URL; dnsmasq accepts it', async () => {
  const r = await runCli(['dhcp-config', '--dnsmasq', '--proxy', '--range', '10.0.0.0', '--advertise', '10.0.0.1', '--http', '0.0.0.0:8080']);
  assert.equal(r.code, 0, r.stderr);
  // A Pi's option 97 starts with a 00 type byte; test/dhcp/proxy-lab.test.ts shows real dnsmasq matching it.
  for (const line of ['dhcp-range=10.0.0.0,proxy', 'dhcp-match=set:rpi,97,0:52:50:69:34', 'dhcp-match=set:rpi,97,0:52:50:69:35', 'pxe-service=tag:rpi,0,"Raspberry Pi Boot"', 'dhcp-userclass=set:ipxe,iPXE', 'pxe-service=tag:!rpi,tag:!ipxe,x86PC,"bootherd: iPXE (BIOS)",undionly.kpxe,10.0.0.1', 'pxe-service=tag:ipxe,x86PC,"bootherd",http://10.0.0.1:8080/boot.ipxe']) {
    assert.ok(r.stdout.split('\n').includes(line), `missing: ${line}`);
  }
  assert.match(dnsmasqAccepts(r.stdout), /syntax check OK/);
});

test('full mode names bootherd as TFTP server and boot file; bad input is a usage error', async () => {
  const r = await runCli(['dhcp-config', '--dnsmasq', '--range', '10.0.0.100,10.0.0.200,12h', '--advertise', '10.0.0.1', '--interface', 'br0']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('dhcp-boot=tag:ipxe,http://10.0.0.1:8080/boot.ipxe\n'));
  assert.ok(r.stdout.includes('dhcp-option=option:tftp-server,10.0.0.1\n'));
  assert.match(dnsmasqAccepts(r.stdout), /syntax check OK/);
  assert.equal((await runCli(['dhcp-config', '--range', '10.0.0.0'])).code, 2);
  assert.equal((await runCli(['dhcp-config', '--dnsmasq', '--range', '10.0.0.0\ndhcp-script=/bin/sh'])).code, 2);
});

test('a range that is not addresses, or an interface name with a newline or spaces, is refused and nothing is printed', async () => {
  const bad: Array<[string[], RegExp]> = [
    [['--proxy', '--range', 'eth0'], /--range: must be the subnet to answer on/],
    [['--proxy', '--range', '10.0.0.0,proxy'], /--range: must be the subnet/],
    [['--proxy', '--range', '10.0.0.256'], /--range: must be the subnet/],
    [['--range', '10.0.0.100'], /--range: must be FIRST,LAST/],
    [['--range', '10.0.0.100,10.0.0.200,12h,extra'], /--range: must be FIRST,LAST/],
    [['--proxy', '--range', '10.0.0.0', '--interface', 'br0\ndhcp-script=/bin/sh'], /--interface: must be a network interface name/],
    [['--proxy', '--range', '10.0.0.0', '--interface', 'br 0'], /--interface: must be a network interface name/],
    [['--proxy', '--range', '10.0.0.0', '--interface', 'averyveryverylongname'], /--interface: must be a network interface name/],
  ];
  for (const [args, re] of bad) {
    const r = await runCli(['dhcp-config', '--dnsmasq', '--advertise', '10.0.0.1', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, re);
  }
  const ok = await runCli(['dhcp-config', '--dnsmasq', '--range', '10.0.0.100,10.0.0.200,255.255.255.0,infinite', '--advertise', '10.0.0.1', '--interface', 'enp1s0.42']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(dnsmasqAccepts(ok.stdout), /syntax check OK/);
});
