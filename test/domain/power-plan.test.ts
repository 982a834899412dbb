// The paced power-on plan: which nodes a selector picks, the order they are
// switched in, and the stagger the admission budget gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pacedPowerSchema, planPowerOn, selects, staggerFromBudget } from '../../src/domain/power-plan.js';

const node = (id: string, hostname: string | null, labels: Record<string, string> = {}, state = 'ready') => ({ id, hostname, labels, state: state as 'ready' });

test('the plan goes rack by rack, hostnames in numeric order, offsets one stagger apart', () => {
  const plan = planPowerOn([node('c', 'pi10', { rack: 'r1' }), node('a', 'pi2', { rack: 'r1' }), node('b', 'pi1', { rack: 'r2' }), node('d', null, { rack: 'r1' })], 1.5);
  assert.deepEqual(plan.map((p) => [p.id, p.offsetSeconds]), [['d', 0], ['a', 1.5], ['c', 3], ['b', 4.5]]);
});

test('a selector picks by state, labels and rack; retired nodes only with all or state retired', () => {
  const parse = (b: unknown) => pacedPowerSchema.parse(b);
  const retired = node('r', 'old', { rack: 'r1' }, 'retired');
  const live = node('l', 'new', { rack: 'r1', role: 'gpu' });
  assert.deepEqual([selects(parse({ rack: 'r1' }), live), selects(parse({ rack: 'r1' }), retired)], [true, false]);
  assert.deepEqual([selects(parse({ rack: 'r1', all: true }), retired), selects(parse({ state: 'retired' }), retired)], [true, true]);
  assert.equal(selects(parse({ labels: { role: 'gpu' }, rack: 'r2' }), live), false, 'every part must match');
  assert.equal(pacedPowerSchema.safeParse({}).success, false, 'a selector is required');
  assert.equal(pacedPowerSchema.safeParse({ all: true, staggerSeconds: 601 }).success, false);
});

test('the stagger is a slot\'s share of TFTP_FILE_TIMEOUT over the boards admitted at once, capped', () => {
  assert.equal(staggerFromBudget({ boards: 16, largeShare: 1 }, { fileTimeoutMs: 30_000, headroom: 0.5 }), 0.938);
  assert.equal(staggerFromBudget({ boards: 4, largeShare: 0.5 }, { fileTimeoutMs: 30_000, headroom: 0.5 }), 7.5);
  assert.equal(staggerFromBudget({ boards: 0, largeShare: 0 }, { fileTimeoutMs: 86_400_000, headroom: 1 }), 600);
});
