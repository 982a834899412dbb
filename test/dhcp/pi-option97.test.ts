// Option 97 from real boards (PI-NETBOOT.md's two dnsmasq captures) and
// hostile look-alikes.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { claimsPi, decodePiMachineId } from '../../src/domain/pi-dhcp.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

it('decodes a Pi 4 capture: FourCC, revision, low MAC bytes, serial', () => {
  const d = decodePiMachineId(hex('00 52 50 69 34 11 31 a0 00 32 2e f8 ed 10 45 15 5b'));
  assert.ok(d);
  assert.equal(d.fourcc, 'RPi4');
  assert.equal(d.revision, 'a03111');
  assert.equal(d.decoded.model, 'Raspberry Pi 4 Model B');
  assert.equal(d.decoded.memoryBytes, 1024 ** 3);
  assert.equal(d.macLow, '32:2e:f8:ed');
  assert.equal(d.serial, '5b154510');
});

it('decodes the CM4 capture (its serial bytes are not in the log: any non-zero serial)', () => {
  const d = decodePiMachineId(hex('00 52 50 69 34 40 31 c0 00 01 94 24 f8 78 56 34 12'));
  assert.ok(d);
  assert.equal(d.revision, 'c03140');
  assert.equal(d.decoded.model, 'Raspberry Pi Compute Module 4');
  assert.equal(d.decoded.memoryBytes, 4 * 1024 ** 3);
  assert.equal(d.macLow, '01:94:24:f8');
  assert.equal(d.serial, '12345678');
});

it('refuses what is not a Pi 4/5 option 97', () => {
  const cases: Record<string, string> = {
    'a PC GUID': '00 4c4c4544 0044 3510 8052 b4c04f564432',
    'no type byte (16 bytes)': '52 50 69 34 11 31 a0 00 32 2e f8 ed 10 45 15 5b',
    'one byte too long': '00 52 50 69 34 11 31 a0 00 32 2e f8 ed 10 45 15 5b 00',
    'type byte 1': '01 52 50 69 34 11 31 a0 00 32 2e f8 ed 10 45 15 5b',
    'RPi3 FourCC': '00 52 50 69 33 11 31 a0 00 32 2e f8 ed 10 45 15 5b',
    'old-style revision': '00 52 50 69 34 0e 00 00 00 32 2e f8 ed 10 45 15 5b',
    'Pi 3 revision under RPi4': '00 52 50 69 34 82 20 a0 00 32 2e f8 ed 10 45 15 5b',
    'Pi 4 revision under RPi5': '00 52 50 69 35 11 31 a0 00 32 2e f8 ed 10 45 15 5b',
    'zero serial': '00 52 50 69 34 11 31 a0 00 32 2e f8 ed 00 00 00 00',
    'all-ones serial': '00 52 50 69 34 11 31 a0 00 32 2e f8 ed ff ff ff ff',
  };
  for (const [what, bytes] of Object.entries(cases)) assert.equal(decodePiMachineId(hex(bytes)), null, what);
  assert.equal(claimsPi(hex('00 52 50 69 34 ff')), true, 'a FourCC alone claims Pi (and is then refused)');
  assert.equal(claimsPi(hex('00 4c 4c 45 44')), false);
});
