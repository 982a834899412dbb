// `bootherd eeprom-config` output read back the way the bootloader reads a
// bootconf.txt: comment lines, a section, KEY=VALUE lines without trailing
// comments; the values checked against the documented meanings and minimums.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/process.js';

interface Bootconf {
  sections: string[];
  settings: Map<string, string>;
  comments: string;
}

function parseBootconf(text: string): Bootconf {
  const out: Bootconf = { sections: [], settings: new Map(), comments: '' };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) out.comments += `${line.slice(2)}\n`;
    else if (/^\[[a-z0-9]+\]$/.test(line)) out.sections.push(line);
    else {
      const m = /^([A-Z0-9_]+)=([^#\s]*)$/.exec(line);
      assert.ok(m, `not a setting line (a comment must stand on its own line): ${JSON.stringify(line)}`);
      assert.ok(!out.settings.has(m[1]!), `${m[1]} set twice`);
      out.settings.set(m[1]!, m[2]!);
    }
  }
  return out;
}

// BOOT_ORDER nibbles are read from the right: 1 SD, 2 network, 4 USB, 6 NVMe, e stop, f restart.
const bootModes = (v: string) => [...BigInt(v).toString(16)].reverse();

async function eeprom(args: string[]): Promise<Bootconf> {
  const r = await runCli(['eeprom-config', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return parseBootconf(r.stdout);
}

test('a Pi 4 bootconf.txt: network first and rescuable, TFTP from the advertise address, serial prefix', async () => {
  const c = await eeprom(['--advertise', '10.0.0.1']);
  assert.deepEqual(c.sections, ['[all]']);
  assert.deepEqual([...c.settings.keys()].sort(), ['BOOT_ORDER', 'DHCP_REQ_TIMEOUT', 'DHCP_TIMEOUT', 'NET_BOOT_MAX_RETRIES', 'TFTP_FILE_TIMEOUT', 'TFTP_IP', 'TFTP_PREFIX']);
  const order = bootModes(c.settings.get('BOOT_ORDER')!);
  assert.equal(order[0], '2', 'network is tried first');
  assert.ok(order.includes('1'), 'the SD card follows, so a local target falls through to it');
  assert.equal(order.at(-1), 'f', 'and the order starts over instead of stopping');
  assert.equal(c.settings.get('TFTP_IP'), '10.0.0.1');
  assert.equal(c.settings.get('TFTP_PREFIX'), '0');
  const ms = (k: string) => Number(c.settings.get(k));
  assert.ok(ms('DHCP_TIMEOUT') >= 5000 && ms('DHCP_REQ_TIMEOUT') >= 500 && ms('TFTP_FILE_TIMEOUT') >= 5000, 'every timeout is at or above its documented minimum');
  assert.ok(Number.isInteger(ms('NET_BOOT_MAX_RETRIES')) && ms('NET_BOOT_MAX_RETRIES') >= -1);
  for (const step of ['rpi-eeprom-config --out new.bin --config bootconf.txt', 'rpi-eeprom-update -d -f new.bin', 'bootloader-2711', 'grep Serial /proc/cpuinfo', 'program_usb_boot_mode=1', 'vcgencmd otp_dump | grep 17:', 'Pi 5 differs']) {
    assert.ok(c.comments.includes(step), `the comments explain: ${step}`);
  }
});

test('a Pi 5 with MAC prefixes; bad input is refused', async () => {
  const c = await eeprom(['--pi', '5', '--prefix', 'mac', '--advertise', '192.168.7.2']);
  assert.equal(c.settings.get('TFTP_PREFIX'), '2');
  assert.equal(c.settings.get('TFTP_IP'), '192.168.7.2');
  for (const fact of ['bootloader-2712', 'kernel_2712.img', '1468']) assert.ok(c.comments.includes(fact), fact);
  const host = await runCli(['eeprom-config', '--advertise', 'boot.lan']);
  assert.equal(host.code, 2);
  assert.match(host.stderr, /TFTP_IP must be an IPv4 address/);
  const pi3 = await runCli(['eeprom-config', '--pi', '3', '--advertise', '10.0.0.1']);
  assert.equal(pi3.code, 2);
  assert.match(pi3.stderr, /--pi: "3" is not one of 4, 5/);
});
