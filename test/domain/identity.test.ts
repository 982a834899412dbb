import assert from 'node:assert/strict';
import { test } from 'node:test';
import { macToPrefix, normalizeMac, normalizeSerial, normalizeUuid, parsePathIdentity } from '../../src/domain/identity.js';
import { decodeRevision } from '../../src/domain/revision.js';

test('serials normalise to the 8-digit TFTP prefix', () => {
  const cases: Array<[string, string | null]> = [
    ['a1b2c3d4', 'a1b2c3d4'], ['A1B2C3D4', 'a1b2c3d4'], ['10000000a1b2c3d4', 'a1b2c3d4'], ['0x04F2EA0A', '04f2ea0a'],
    [' 04f2ea0a ', '04f2ea0a'], ['a1b2c3d', null], ['a1b2c3d4e', null], ['g1b2c3d4', null], ['', null], ['10000000a1b2c3d4 x', null],
  ];
  for (const [input, want] of cases) assert.equal(normalizeSerial(input), want, input);
});

test('MACs normalise to lowercase colon form', () => {
  const cases: Array<[string, string | null]> = [
    ['dc:a6:32:01:36:c2', 'dc:a6:32:01:36:c2'], ['DC-A6-32-01-36-C2', 'dc:a6:32:01:36:c2'], ['dca6320136c2', 'dc:a6:32:01:36:c2'],
    ['dc:a6-32:01:36:c2', null], ['dc:a6:32:01:36', null], ['dc:a6:32:01:36:c2:00', null], ['zz:a6:32:01:36:c2', null], ['dc a6 32 01 36 c2', null],
    ['dc:a6:32:01:36:c2 ', null], [' dc:a6:32:01:36:c2', null], ['dc:a6:32:01:36:c2\t', null], ['dc:a6:32:01:36:c2\n', null],
  ];
  for (const [input, want] of cases) assert.equal(normalizeMac(input), want, input);
  assert.equal(macToPrefix('dc:a6:32:01:36:c2'), 'dc-a6-32-01-36-c2');
});

test('UUIDs normalise and placeholders are refused', () => {
  assert.equal(normalizeUuid('4C4C4544-0042-3510-8052-B4C04F4D4E32'), '4c4c4544-0042-3510-8052-b4c04f4d4e32');
  assert.equal(normalizeUuid('00000000-0000-0000-0000-000000000000'), null);
  assert.equal(normalizeUuid('ffffffff-ffff-ffff-ffff-ffffffffffff'), null);
  assert.equal(normalizeUuid('not-a-uuid'), null);
});

test('TFTP paths split into identity and file', () => {
  assert.deepEqual(parsePathIdentity('04f2ea0a/start4.elf'), { kind: 'serial', serial: '04f2ea0a', rest: 'start4.elf' });
  assert.deepEqual(parsePathIdentity('dc-a6-32-01-36-c2/overlays/x.dtbo'), { kind: 'mac', mac: 'dc:a6:32:01:36:c2', rest: 'overlays/x.dtbo' });
  assert.deepEqual(parsePathIdentity('overlays/x.dtbo'), { kind: 'none', rest: 'overlays/x.dtbo' });
  assert.deepEqual(parsePathIdentity('start4.elf'), { kind: 'none', rest: 'start4.elf' });
  assert.deepEqual(parsePathIdentity('04F2EA0A/start4.elf'), { kind: 'none', rest: '04F2EA0A/start4.elf' });
});

test('Pi revision codes decode model, RAM and SoC', () => {
  const gib = 1024 ** 3;
  const cases: Array<[string, string, number, string, string]> = [
    ['c03111', 'Raspberry Pi 4 Model B', 4 * gib, 'BCM2711', 'pi4'],
    ['d03114', 'Raspberry Pi 4 Model B', 8 * gib, 'BCM2711', 'pi4'],
    ['a02082', 'Raspberry Pi 3 Model B', 1 * gib, 'BCM2837', 'pi3'],
    ['a020d3', 'Raspberry Pi 3 Model B+', 1 * gib, 'BCM2837', 'pi3'],
    ['c04170', 'Raspberry Pi 5 Model B', 4 * gib, 'BCM2712', 'pi5'],
    ['b03140', 'Raspberry Pi Compute Module 4', 2 * gib, 'BCM2711', 'pi4'],
    ['e04171', 'Raspberry Pi 5 Model B', 16 * gib, 'BCM2712', 'pi5'],
  ];
  for (const [code, model, mem, soc, family] of cases) {
    const r = decodeRevision(code);
    assert.ok(r, code);
    assert.deepEqual([r.model, r.memoryBytes, r.soc, r.family], [model, mem, soc, family], code);
  }
  assert.equal(decodeRevision('0010'), null, 'old-style codes have no bit 23');
  assert.equal(decodeRevision('xyz'), null);
  assert.equal(decodeRevision('f03111'), null, 'memory code 7 is undefined');
});
