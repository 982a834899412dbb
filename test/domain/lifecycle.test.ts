import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidTransitionError } from '../../src/errors.js';
import { eventTypes, transition, type LifecycleEvent } from '../../src/domain/lifecycle.js';
import { states, type Node, type NodeState } from '../../src/domain/node.js';
import { newNode } from '../../src/core/enroll.js';

const usb = { kind: 'usb-root' as const, partuuid: 'c1f95d14-02' };
const install = { kind: 'install' as const, image: 'raspios', disk: 'sda', then: { kind: 'usb-root' as const } };
const events: Record<(typeof eventTypes)[number], LifecycleEvent> = {
  inventory: { type: 'inventory' },
  assign: { type: 'assign', target: usb },
  'install-succeeded': { type: 'install-succeeded', partuuid: 'abcd0001-02' },
  'install-failed': { type: 'install-failed', message: 'sha256 mismatch' },
  'install-timeout': { type: 'install-timeout' },
  rescue: { type: 'rescue' },
  'end-rescue': { type: 'end-rescue' },
  retire: { type: 'retire' },
  reset: { type: 'reset' },
};

// The expected machine, written out from DESIGN §3 (x = refused). `new` also
// takes `assign` (an operator may pre-assign a board seen only over TFTP) and
// `retire`; `ready` and `installing` also take `rescue`.
const expected: Record<NodeState, Record<string, NodeState | 'x'>> = {
  new: { inventory: 'ready', assign: 'deployed', 'install-succeeded': 'x', 'install-failed': 'x', 'install-timeout': 'x', rescue: 'x', 'end-rescue': 'x', retire: 'retired', reset: 'x' },
  ready: { inventory: 'ready', assign: 'deployed', 'install-succeeded': 'x', 'install-failed': 'x', 'install-timeout': 'x', rescue: 'rescue', 'end-rescue': 'x', retire: 'retired', reset: 'new' },
  installing: { inventory: 'installing', assign: 'x', 'install-succeeded': 'deployed', 'install-failed': 'failed', 'install-timeout': 'failed', rescue: 'rescue', 'end-rescue': 'x', retire: 'x', reset: 'new' },
  deployed: { inventory: 'deployed', assign: 'deployed', 'install-succeeded': 'x', 'install-failed': 'x', 'install-timeout': 'x', rescue: 'rescue', 'end-rescue': 'x', retire: 'retired', reset: 'new' },
  rescue: { inventory: 'rescue', assign: 'x', 'install-succeeded': 'x', 'install-failed': 'x', 'install-timeout': 'x', rescue: 'x', 'end-rescue': 'deployed', retire: 'x', reset: 'new' },
  failed: { inventory: 'failed', assign: 'deployed', 'install-succeeded': 'x', 'install-failed': 'x', 'install-timeout': 'x', rescue: 'rescue', 'end-rescue': 'x', retire: 'retired', reset: 'new' },
  retired: { inventory: 'x', assign: 'x', 'install-succeeded': 'x', 'install-failed': 'x', 'install-timeout': 'x', rescue: 'x', 'end-rescue': 'x', retire: 'x', reset: 'new' },
};

function nodeIn(state: NodeState): Node {
  const n = newNode({ serial: 'a1b2c3d4' }, '2026-01-01T00:00:00.000Z', null);
  return { ...n, state, target: state === 'installing' ? install : state === 'new' || state === 'ready' ? null : usb, rescueFrom: state === 'rescue' ? 'deployed' : null };
}

test('every (state, event) pair follows the table', () => {
  let pairs = 0;
  for (const state of states) {
    for (const type of eventTypes) {
      pairs++;
      const want = expected[state][type];
      const node = nodeIn(state);
      if (want === 'x') {
        assert.throws(() => transition(node, events[type], '2026-01-02T00:00:00.000Z'), (e: unknown) => e instanceof InvalidTransitionError && e.state === state && e.event === type, `${state} + ${type} should be refused`);
        continue;
      }
      const { node: next } = transition(node, events[type], '2026-01-02T00:00:00.000Z');
      assert.equal(next.state, want, `${state} + ${type}`);
      assert.equal(next.version, node.version + 1, 'version bumps');
      assert.equal(next.updatedAt, '2026-01-02T00:00:00.000Z');
    }
  }
  assert.equal(pairs, states.length * eventTypes.length);
});

test('the refusal names the state and the event', () => {
  assert.throws(() => transition(nodeIn('retired'), events.rescue, 'now'), /state 'retired' does not accept event 'rescue'/);
});

test('assign with an install target goes to installing, and success switches to its then target with the reported PARTUUID', () => {
  const installing = transition(nodeIn('ready'), { type: 'assign', target: install }, 't1').node;
  assert.equal(installing.state, 'installing');
  const done = transition(installing, events['install-succeeded'], 't2').node;
  assert.deepEqual(done.target, { kind: 'usb-root', partuuid: 'abcd0001-02', image: 'raspios' });
});

test('failure is recorded, rescue remembers where it came from, reset clears the target', () => {
  const failed = transition(nodeIn('installing'), events['install-failed'], 't').node;
  assert.equal(failed.failure, 'install failed: sha256 mismatch');
  assert.equal(failed.state, 'failed');
  const rescued = transition(nodeIn('failed'), events.rescue, 't').node;
  assert.equal(rescued.rescueFrom, 'failed');
  assert.equal(transition(rescued, events['end-rescue'], 't').node.state, 'failed');
  const reset = transition(nodeIn('deployed'), events.reset, 't').node;
  assert.equal(reset.target, null);
});

test('effects: a node running its own OS is power-cycled; one running the agent is not; retire powers off', () => {
  assert.deepEqual(transition(nodeIn('deployed'), events.rescue, 't').effects.map((e) => e.kind), ['power-cycle']);
  assert.deepEqual(transition(nodeIn('deployed'), events.assign, 't').effects.map((e) => e.kind), ['power-cycle']);
  assert.deepEqual(transition(nodeIn('ready'), events.assign, 't').effects, []);
  assert.deepEqual(transition(nodeIn('ready'), events.retire, 't').effects.map((e) => e.kind), ['power-off']);
});
