// The boot admission model, by table: slots, the queue (oldest first, places
// kept across retries, lost after silence), DHCP deferral limits, slot ends
// (done, idle, stalled, deadline), and a run with adversarial boards that
// checks the starvation bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admissionBound, createAdmissionModel, isBootEntry, type AdmissionSettings } from '../../src/domain/admission.js';

const s: AdmissionSettings = {
  maxBoards: 100, minBoards: 1, initialBoards: 2, bytesPerSecond: 'auto', fileTimeoutMs: 30_000, headroom: 0.5,
  slotMs: 60_000, maxDeferMs: 36_000, holdMs: 0, idleMs: 10_000, forgetMs: 10_000, maxQueue: 4,
};

// One step: at time `at` (s), do `op`; `want` is what it must answer (a decision kind with its place, a release, a view).
type Step =
  | { at: number; req: string; via?: 'dhcp' | 'tftp'; xid?: number; want: string }
  | { at: number; start: string; token: string; stage?: 'firmware' | 'kernel' | 'initramfs'; size?: number }
  | { at: number; end: string; outcome?: string; want?: string }
  | { at: number; sweep: true; want: string[] }
  | { at: number; view: string; want: string };

const rows: Array<{ name: string; settings?: Partial<AdmissionSettings>; steps: Step[] }> = [
  {
    name: 'admits up to the budget and queues the rest in arrival order',
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' },
      { at: 0, req: 'c', want: 'deferred 1' }, { at: 1, req: 'd', want: 'deferred 2' }, { at: 2, req: 'c', want: 'deferred 1' },
      { at: 2, req: 'a', want: 'held' },
      { at: 2, view: 'a', want: 'admitted' }, { at: 2, view: 'd', want: 'deferred 2' }, { at: 2, view: 'z', want: 'none' },
    ],
  },
  {
    name: 'a freed slot goes to the longest waiter, not to the first to ask',
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' }, { at: 1, req: 'c', want: 'deferred 1' }, { at: 2, req: 'd', want: 'deferred 2' },
      { at: 3, start: 'a', token: 'i', stage: 'initramfs', size: 1000 }, { at: 4, end: 'i', want: 'done' },
      { at: 5, req: 'd', want: 'deferred 2' }, { at: 6, req: 'c', want: 'admitted' }, { at: 7, req: 'd', want: 'deferred 1' },
    ],
  },
  {
    name: 'a waiting board that falls silent loses its place; the next one moves up',
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' }, { at: 0, req: 'c', want: 'deferred 1' }, { at: 1, req: 'd', want: 'deferred 2' },
      { at: 9, req: 'd', want: 'deferred 2' }, { at: 10, view: 'c', want: 'deferred 1' }, { at: 10.5, view: 'c', want: 'none' },
      { at: 11, req: 'd', want: 'deferred 1' }, { at: 12, req: 'c', want: 'deferred 2' },
    ],
  },
  {
    name: 'a DHCP deferral stops at maxDefer: the board is let go, turned away at TFTP, and waits again in its next loop',
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' },
      // A Pi resends its DISCOVER every 4 s with the same xid; a new boot loop has a new one.
      ...Array.from({ length: 9 }, (_, i) => ({ at: 4 * i, req: 'c', via: 'dhcp' as const, xid: 7, want: 'deferred 1' })),
      { at: 36, req: 'c', via: 'dhcp', xid: 7, want: 'let-go 1' }, { at: 36.1, req: 'c', via: 'tftp', want: 'deferred 1' },
      ...Array.from({ length: 9 }, (_, i) => ({ at: 41 + 4 * i, req: 'c', via: 'dhcp' as const, xid: 8, want: 'deferred 1' })),
      { at: 77, req: 'c', via: 'dhcp', xid: 8, want: 'let-go 1' }, { at: 77, view: 'c', want: 'deferred 1' },
    ],
  },
  {
    name: 'a board turned away at TFTP keeps its place for its next loop',
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' },
      { at: 0, req: 'c', via: 'tftp', want: 'deferred 1' }, { at: 2, req: 'd', via: 'tftp', want: 'deferred 2' },
      { at: 5, req: 'c', via: 'tftp', want: 'deferred 1' }, { at: 7, req: 'd', via: 'tftp', want: 'deferred 2' },
    ],
  },
  {
    name: 'a first firmware RRQ is held (left unanswered) within holdMs of the loop\'s first, then turned away; the next loop is held again',
    settings: { holdMs: 18_000 },
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' },
      // A Pi resends an unanswered RRQ every second.
      ...Array.from({ length: 18 }, (_, i) => ({ at: i, req: 'c', via: 'tftp' as const, want: 'deferred 1 hold' })),
      { at: 18, req: 'c', via: 'tftp', want: 'deferred 1' },
      { at: 21, req: 'c', via: 'tftp', want: 'deferred 1 hold' },
      { at: 21, req: 'full', via: 'tftp', want: 'deferred 2 hold' },
    ],
  },
  {
    name: 'a board let go at DHCP and held at TFTP gets a slot freed during the hold: still its first loop',
    settings: { holdMs: 18_000 },
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' },
      ...Array.from({ length: 9 }, (_, i) => ({ at: 4 * i, req: 'c', via: 'dhcp' as const, xid: 7, want: 'deferred 1' })),
      { at: 36, req: 'c', via: 'dhcp', xid: 7, want: 'let-go 1' },
      { at: 36.1, req: 'c', via: 'tftp', want: 'deferred 1 hold' }, { at: 37.1, req: 'c', via: 'tftp', want: 'deferred 1 hold' },
      { at: 38, start: 'a', token: 'i', stage: 'initramfs', size: 1000 }, { at: 38.5, end: 'i', want: 'done' },
      { at: 39.1, req: 'c', via: 'tftp', want: 'admitted' },
    ],
  },
  {
    name: 'a new DHCP loop after a TFTP refusal starts a new hold; a board without a place in a full queue is never held',
    settings: { holdMs: 10_000, maxQueue: 1 },
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' },
      { at: 0, req: 'c', via: 'tftp', want: 'deferred 1 hold' }, { at: 10, req: 'c', via: 'tftp', want: 'deferred 1' },
      ...Array.from({ length: 9 }, (_, i) => ({ at: 11 + 4 * i, req: 'c', via: 'dhcp' as const, xid: 9, want: 'deferred 1' })),
      { at: 47, req: 'c', via: 'dhcp', xid: 9, want: 'let-go 1' },
      { at: 47.5, req: 'c', via: 'tftp', want: 'deferred 1 hold' },
      { at: 48, req: 'd', via: 'tftp', want: 'deferred -' },
    ],
  },
  {
    name: 'slots end at the initramfs, when idle, when stalled, and at the deadline',
    settings: { initialBoards: 4 },
    steps: [
      { at: 0, req: 'done', want: 'admitted' }, { at: 0, req: 'quiet', want: 'admitted' }, { at: 0, req: 'stall', want: 'admitted' }, { at: 0, req: 'slow', want: 'admitted' },
      { at: 1, start: 'done', token: 'k1', stage: 'kernel', size: 1000 }, { at: 2, end: 'k1' }, { at: 2, start: 'done', token: 'i1', stage: 'initramfs', size: 1000 }, { at: 3, end: 'i1', want: 'done' },
      { at: 1, start: 'quiet', token: 'k2', stage: 'kernel', size: 1000 }, { at: 2, end: 'k2' },
      { at: 1, start: 'stall', token: 'k3', stage: 'kernel', size: 1000 }, { at: 30, end: 'k3', outcome: 'timeout' },
      { at: 1, start: 'slow', token: 'k4', stage: 'kernel', size: 1000 },
      { at: 11, sweep: true, want: [] }, { at: 12, sweep: true, want: ['quiet idle kernel'] },
      { at: 39, sweep: true, want: [] }, { at: 40, sweep: true, want: ['stall stalled none'] }, { at: 60, sweep: true, want: ['slow deadline none'] },
      { at: 60, view: 'slow', want: 'none' },
    ],
  },
  {
    name: 'an admitted board that never comes to TFTP frees its slot after idleMs',
    steps: [{ at: 0, req: 'a', via: 'dhcp', xid: 1, want: 'admitted' }, { at: 9, sweep: true, want: [] }, { at: 10, sweep: true, want: ['a idle none'] }],
  },
  {
    name: 'a full queue defers newcomers without a place and remembers nobody more',
    steps: [
      { at: 0, req: 'a', want: 'admitted' }, { at: 0, req: 'b', want: 'admitted' },
      ...['c', 'd', 'e', 'f'].map((k, i) => ({ at: 1, req: k, want: `deferred ${i + 1}` })),
      { at: 1, req: 'g', want: 'deferred -' }, { at: 2, view: 'g', want: 'none' },
    ],
  },
];

function run(row: (typeof rows)[number]): void {
  const m = createAdmissionModel({ ...s, ...row.settings });
  const tokens = new Map<string, number>();
  for (const [i, step] of row.steps.entries()) {
    const at = step.at * 1000;
    const where = `${row.name}: step ${i}`;
    if ('req' in step) {
      const d = m.request(step.req, step.via ?? 'tftp', at, step.xid);
      const got = d.kind === 'deferred' || d.kind === 'let-go' ? `${d.kind} ${d.position ?? '-'}${d.kind === 'deferred' && d.hold ? ' hold' : ''}` : d.kind;
      assert.equal(got, step.want, where);
    } else if ('start' in step) tokens.set(step.token, m.started(step.start, step.size ?? 100, step.stage ?? 'kernel', at));
    else if ('end' in step) {
      const r = m.ended(tokens.get(step.end)!, 1000, step.outcome ?? 'complete', at);
      assert.equal(r?.reason, step.want, where);
    } else if ('sweep' in step) assert.deepEqual(m.sweep(at).releases.map((r) => `${r.key} ${r.reason} ${r.stage ?? 'none'}`), step.want, where);
    else {
      const v = m.view(step.view, at);
      assert.equal(v ? (v.state === 'deferred' ? `deferred ${v.position}` : v.state) : 'none', step.want, where);
    }
  }
}

for (const row of rows) test(`admission: ${row.name}`, () => run(row));

test('boards waiting more than a second are reported once each, with their places', () => {
  const m = createAdmissionModel({ ...s, maxQueue: 100 });
  for (const k of ['a', 'b', 'c', 'd']) m.request(k, 'dhcp', 0, 1);
  m.request('e', 'dhcp', 900, 1);
  assert.deepEqual(m.sweep(1000).deferrals.map((d) => `${d.key}@${d.position}`), ['c@1', 'd@2']);
  assert.deepEqual(m.sweep(2000).deferrals.map((d) => `${d.key}@${d.position}`), ['e@3']);
  assert.deepEqual(m.sweep(3000).deferrals, []);
});

test('the first file of a boot loop, per Pi family, is where a board is turned away', () => {
  const table: Array<[string, string | null, boolean]> = [
    ['a1b2c3d4/start4.elf', 'pi4', true], ['start4.elf', null, true], ['a1b2c3d4/start.elf', 'pi3', true], ['bootcode.bin', null, true],
    ['a1b2c3d4/start4cd.elf', 'pi4', true], ['a1b2c3d4/config.txt', 'pi5', true], ['a1b2c3d4/config.txt', 'pi4', false],
    ['a1b2c3d4/config.txt', null, false], ['a1b2c3d4/vmlinuz', 'pi4', false], ['a1b2c3d4/fixup4.dat', 'pi4', false], ['undionly.kpxe', null, false],
  ];
  for (const [file, family, want] of table) assert.equal(isBootEntry(file, family), want, `${file} (${family})`);
});

// Boards that ask every 4 s while waiting, some slow (they hold their slot to
// the deadline), some that vanish for good: every board still asking is
// admitted within admissionBound(its place on joining, the budget).
test('no starvation: every board is admitted within the bound computed from the budget', () => {
  const settings = { ...s, initialBoards: 3, minBoards: 3, maxBoards: 3, maxQueue: 1000 };
  const m = createAdmissionModel(settings);
  const boards = Array.from({ length: 60 }, (_, i) => ({ key: `b${i}`, joinAt: (i % 7) * 500, joinedAt: -1, place: 0, admittedAt: -1, vanishes: i % 11 === 5, holdMs: i % 5 === 0 ? Infinity : 8_000 + (i % 3) * 9_000 }));
  const tokens = new Map<string, number>();
  for (let now = 0; now <= 2_000_000 && boards.some((b) => !b.vanishes && b.admittedAt < 0); now += 250) {
    for (const b of boards) {
      if (b.admittedAt >= 0 || now < b.joinAt || (b.joinedAt >= 0 && (now - b.joinedAt) % 4000 !== 0) || (b.vanishes && b.joinedAt >= 0)) continue;
      const d = m.request(b.key, 'tftp', now);
      if (b.joinedAt < 0) [b.joinedAt, b.place] = [now, d.kind === 'deferred' ? d.position! : 0];
      if (d.kind === 'admitted') {
        b.admittedAt = now;
        tokens.set(b.key, m.started(b.key, 1000, 'kernel', now));
      }
    }
    for (const b of boards) if (b.admittedAt >= 0 && tokens.has(b.key) && now - b.admittedAt >= b.holdMs) m.ended(tokens.get(b.key)!, 1000, 'timeout', now), tokens.delete(b.key);
    if (now % 1000 === 0) m.sweep(now);
  }
  const budget = m.stats(0).budget.boards;
  assert.equal(budget, 3);
  const waited = boards.filter((b) => !b.vanishes);
  assert.ok(waited.every((b) => b.admittedAt >= 0), 'every board still asking got in');
  assert.ok(waited.some((b) => b.place > 30), 'some joined far back in the queue');
  for (const b of waited) assert.ok(b.admittedAt - b.joinedAt <= admissionBound(Math.max(1, b.place), budget, settings), `${b.key} at place ${b.place} waited ${b.admittedAt - b.joinedAt} ms > ${admissionBound(b.place, budget, settings)}`);
});
