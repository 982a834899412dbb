// Wedge detection by table: a node's stored timestamps and the settings ->
// { health, reason, due }. Times are seconds after T0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessNode, effectiveSettings, watchdogSettingsSchema, type Assessment } from '../../src/domain/wedge.js';
import { normalizeNode, type Node } from '../../src/domain/node.js';
import { newNode } from '../../src/core/enroll.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const s = effectiveSettings(watchdogSettingsSchema.parse({}), 3600, {});
const nfs = { kind: 'nfs-root' as const, server: '10.0.0.1', path: '/srv/r/pi', options: 'vers=3' };
const boot = (start: number, last: number, stage: 'firmware' | 'kernel' | 'initramfs') => ({ startedAt: at(start), updatedAt: at(last), stage, via: 'tftp' as const, clientIp: null, files: 1, probes: 0, notFound: 0, failed: 0, bytes: 1 });

function node(p: Partial<Node>): Node {
  return { ...newNode({ serial: 'abcd0001' }, at(-1000), null), updatedAt: at(-1000), ...p };
}

const cases: Array<[string, Partial<Node>, number, Assessment]> = [
  ['a node bootherd knows nothing about in time is ok', {}, 10, { health: 'ok', reason: null, due: null }],
  ['power-cycled, no boot request yet: booting until bootStartSeconds', { state: 'deployed', target: nfs, lastPower: { op: 'cycle', at: at(0) } }, 119, { health: 'booting', reason: null, due: T0 + 120_000 }],
  ['power-cycled, no boot request within bootStartSeconds', { state: 'deployed', target: nfs, lastPower: { op: 'cycle', at: at(0) } }, 120, { health: 'wedged', reason: 'no-boot-after-power', due: null }],
  ['a reboot handed to the agent counts like a power-cycle', { state: 'ready', lastPower: { op: 'reboot', at: at(0) } }, 121, { health: 'wedged', reason: 'no-boot-after-power', due: null }],
  ['a reboot handed to the agent as it last spoke: waiting for the boot, not heartbeat-lost', { state: 'ready', lastPower: { op: 'reboot', at: at(0) }, lastHeartbeatAt: at(0), heartbeatFrom: 'agent', watchdog: { heartbeatSeconds: 15 } }, 20, { health: 'booting', reason: null, due: T0 + 120_000 }],
  ['switched off on purpose: never wedged', { state: 'deployed', target: nfs, lastPower: { op: 'off', at: at(0) }, lastHeartbeatAt: at(-50), heartbeatFrom: 'os' }, 10_000, { health: 'ok', reason: null, due: null }],
  ['switched off, then booted by hand: watched again', { state: 'deployed', target: nfs, lastPower: { op: 'off', at: at(0) }, lastBoot: boot(50, 51, 'firmware') }, 200, { health: 'wedged', reason: 'stalled-at-firmware', due: null }],
  ['a local node is not expected to ask bootherd for files after power', { state: 'deployed', target: { kind: 'local' }, lastPower: { op: 'cycle', at: at(0) } }, 500, { health: 'ok', reason: null, due: null }],
  ['TFTP started after the cycle, still in the firmware: booting until stallSeconds after the last request', { state: 'deployed', target: nfs, lastPower: { op: 'cycle', at: at(0) }, lastBoot: boot(5, 8, 'firmware') }, 97, { health: 'booting', reason: null, due: T0 + 98_000 }],
  ['stuck in the firmware past stallSeconds', { state: 'deployed', target: nfs, lastPower: { op: 'cycle', at: at(0) }, lastBoot: boot(5, 8, 'firmware') }, 98, { health: 'wedged', reason: 'stalled-at-firmware', due: null }],
  ['kernel fetched, the agent never spoke', { state: 'ready', lastBoot: boot(0, 20, 'initramfs'), lastHeartbeatAt: at(-500), heartbeatFrom: 'agent' }, 110, { health: 'wedged', reason: 'stalled-at-kernel', due: null }],
  ['kernel fetched, the agent spoke: ok, and its heartbeats are watched', { state: 'ready', lastBoot: boot(0, 20, 'initramfs'), lastHeartbeatAt: at(30), heartbeatFrom: 'agent' }, 200, { health: 'ok', reason: null, due: T0 + 330_000 }],
  ['a deployed OS that never sent heartbeats cannot be judged after its kernel', { state: 'deployed', target: nfs, lastBoot: boot(0, 20, 'kernel') }, 5000, { health: 'ok', reason: null, due: null }],
  ['a deployed OS with heartbeats that went silent', { state: 'deployed', target: nfs, lastBoot: boot(0, 20, 'kernel'), lastHeartbeatAt: at(60), heartbeatFrom: 'os' }, 360, { health: 'wedged', reason: 'heartbeat-lost', due: null }],
  ['... one second before the window closes', { state: 'deployed', target: nfs, lastBoot: boot(0, 20, 'kernel'), lastHeartbeatAt: at(60), heartbeatFrom: 'os' }, 359, { health: 'ok', reason: null, due: T0 + 360_000 }],
  ['heartbeats of the discovery agent do not count for a deployed node', { state: 'deployed', target: nfs, lastHeartbeatAt: at(0), heartbeatFrom: 'agent' }, 5000, { health: 'ok', reason: null, due: null }],
  ['an operator in a rescue shell is left alone', { state: 'rescue', lastHeartbeatAt: at(0), heartbeatFrom: 'agent' }, 5000, { health: 'ok', reason: null, due: null }],
  ['an install that stopped reporting', { state: 'installing', install: { bytes: 5, updatedAt: at(0) }, lastHeartbeatAt: at(0), heartbeatFrom: 'agent' }, 3600, { health: 'wedged', reason: 'install-silent', due: null }],
  ['retired nodes are never wedged', { state: 'retired', lastPower: { op: 'cycle', at: at(0) } }, 5000, { health: 'ok', reason: null, due: null }],
];

for (const [name, patch, now, want] of cases) {
  test(`wedge: ${name}`, () => assert.deepEqual(assessNode(node(patch), s, T0 + now * 1000), want));
}

test('a node\'s own settings override the global ones', () => {
  const n = node({ state: 'deployed', target: nfs, lastHeartbeatAt: at(0), heartbeatFrom: 'os', watchdog: { heartbeatSeconds: 30 } });
  assert.deepEqual(assessNode(n, effectiveSettings(watchdogSettingsSchema.parse({}), 3600, n), T0 + 31_000).reason, 'heartbeat-lost');
});

test('old records read correctly: an identity conflict moves to `conflict`, failed health to ok', () => {
  const old = (health: string) => normalizeNode({ ...node({}), health } as unknown as Node);
  assert.deepEqual([old('identity-conflict').health, typeof old('identity-conflict').conflict], ['ok', 'string']);
  assert.deepEqual([old('failed').health, old('failed').conflict], ['ok', null]);
  assert.equal(old('wedged').health, 'wedged');
});
