import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyRule, expandHostname, pickRule, ruleInputSchema } from '../../src/domain/rules.js';
import { newNode } from '../../src/core/enroll.js';
import type { Node } from '../../src/domain/node.js';

function pi(serial: string, mac: string, hw: Partial<Node['hardware']> = {}, labels: Record<string, string> = {}): Node {
  const n = newNode({ serial, macs: [mac] }, '2026-01-01T00:00:00.000Z', null);
  return { ...n, labels, hardware: { ...n.hardware, model: 'Raspberry Pi 4 Model B Rev 1.4', revision: 'c03114', memoryBytes: 4 * 2 ** 30, arch: 'aarch64', ...hw } };
}
const rule = (r: unknown) => ruleInputSchema.parse(r);

test('hostname templates expand sequence, serial and MAC', () => {
  assert.equal(expandHostname('rack1-pi{seq:02}', { seq: 7, serial: null, mac: null }), 'rack1-pi07');
  assert.equal(expandHostname('pi-{serial}', { seq: 1, serial: 'a1b2c3d4', mac: null }), 'pi-a1b2c3d4');
  assert.equal(expandHostname('n{mac}', { seq: 1, serial: null, mac: 'dc:a6:32:01:36:c2' }), 'ndca6320136c2');
});

test('a template that cannot give a host name is refused', () => {
  assert.equal(ruleInputSchema.safeParse({ name: 'bad', apply: { hostname: 'x init=/bin/sh{seq}' } }).success, false);
  assert.equal(ruleInputSchema.safeParse({ name: 'bad', apply: { hostname: 'rack 1' } }).success, false);
});

test('each match field narrows the rule', () => {
  const node = pi('a1b2c3d4', 'dc:a6:32:01:36:c2', {}, { rack: 'r1' });
  const table: Array<[unknown, boolean]> = [
    [{}, true],
    [{ model: 'pi 4 model b' }, true], [{ model: 'Pi 5' }, false],
    [{ revisions: ['C03114'] }, true], [{ revisions: ['c03111'] }, false],
    [{ serials: ['10000000a1b2c3d4'] }, true], [{ serials: ['deadbeef'] }, false],
    [{ macPrefixes: ['DC-A6-32'] }, true], [{ macPrefixes: ['2c:cf:67'] }, false],
    [{ minMemoryBytes: 4 * 2 ** 30 }, true], [{ minMemoryBytes: 8 * 2 ** 30 }, false],
    [{ arch: 'aarch64' }, true], [{ arch: 'x86_64' }, false],
    [{ labels: { rack: 'r1' } }, true], [{ labels: { rack: 'r2' } }, false],
    [{ model: 'Pi 4', minMemoryBytes: 8 * 2 ** 30 }, false],
  ];
  for (const [match, want] of table) {
    const got = pickRule([rule({ name: 'r', match, apply: {} })], node) !== null;
    assert.equal(got, want, JSON.stringify(match));
  }
});

test("minMemoryBytes matches the board's nominal RAM when known, else what the OS sees", () => {
  const nominal = pi('a1b2c3d4', 'dc:a6:32:01:36:c2', { memoryBytes: 4_124_000_000, boardMemoryBytes: 4 * 2 ** 30 });
  const osOnly = pi('a1b2c3d5', 'dc:a6:32:01:36:c3', { memoryBytes: 4_124_000_000, boardMemoryBytes: null });
  const table: Array<[Node, number, boolean]> = [
    [nominal, 4 * 2 ** 30, true], [nominal, 4 * 2 ** 30 + 1, false], [nominal, 2 * 2 ** 30, true],
    [osOnly, 4 * 2 ** 30, false], [osOnly, 4_000_000_000, true],
  ];
  for (const [node, minMemoryBytes, want] of table) {
    const got = pickRule([rule({ name: 'r', match: { minMemoryBytes }, apply: {} })], node) !== null;
    assert.equal(got, want, `${node.hardware.boardMemoryBytes} >= ${minMemoryBytes}`);
  }
});

test('the lowest priority number wins and applies hostname and labels', () => {
  const rules = [rule({ name: 'generic', priority: 200, apply: { hostname: 'pi-{serial}' } }), rule({ name: 'rack1', priority: 10, match: { model: 'Pi 4' }, apply: { hostname: 'rack1-pi{seq:02}', labels: { rack: 'r1' } } })];
  const node = pi('a1b2c3d4', 'dc:a6:32:01:36:c2');
  const picked = pickRule(rules, node);
  assert.equal(picked?.name, 'rack1');
  assert.deepEqual(applyRule(picked!, node, 3), { hostname: 'rack1-pi03', labels: { rack: 'r1' } });
});
