import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { newNode } from '../../src/core/enroll.js';
import { VersionMismatchError } from '../../src/errors.js';
import { createSqliteStore } from '../../src/store/sqlite.js';

function openStore() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-events-'));
  let notified = 0;
  const store = createSqliteStore(path.join(dir, 'db'), { onEvents: () => notified++ });
  return { store, notified: () => notified, async close() { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('listAllEvents reads every node in id order, with filters and the newest page', async () => {
  const s = openStore();
  try {
    const at = '2026-01-01T00:00:00.000Z';
    const a = { ...newNode({ serial: 'aaaa0001' }, at, null), labels: { rack: 'r1' } };
    const b = { ...newNode({ serial: 'aaaa0002' }, at, null), labels: { rack: 'r2' } };
    await s.store.createNode(a, [{ kind: 'seen' }], at);
    await s.store.createNode(b, [{ kind: 'seen' }], at);
    await s.store.appendEvents(a.id, [{ kind: 'power', data: { op: 'power-on' } }, { kind: 'transition' }], at);
    await s.store.appendEvents(b.id, [{ kind: 'transition' }], at);
    const all = await s.store.listAllEvents({});
    assert.deepEqual(all.map((e) => [e.nodeId, e.kind]), [[a.id, 'seen'], [b.id, 'seen'], [a.id, 'power'], [a.id, 'transition'], [b.id, 'transition']]);
    assert.deepEqual(all.map((e) => e.id), [...all.map((e) => e.id)].sort((x, y) => x - y));
    assert.deepEqual(all[2]!.data, { op: 'power-on' });
    const after = await s.store.listAllEvents({ afterId: all[1]!.id, limit: 2 });
    assert.deepEqual(after.map((e) => e.id), [all[2]!.id, all[3]!.id]);
    assert.deepEqual((await s.store.listAllEvents({ nodeId: b.id })).map((e) => e.id), [all[1]!.id, all[4]!.id]);
    assert.deepEqual((await s.store.listAllEvents({ kinds: ['power', 'seen'] })).map((e) => e.id), [all[0]!.id, all[1]!.id, all[2]!.id]);
    assert.deepEqual((await s.store.listAllEvents({ label: { key: 'rack', value: 'r1' } })).map((e) => e.id), [all[0]!.id, all[2]!.id, all[3]!.id]);
    assert.deepEqual((await s.store.listAllEvents({ label: { key: 'rack', value: 'r1' }, kinds: ['transition'] })).map((e) => e.id), [all[3]!.id]);
    assert.deepEqual((await s.store.listAllEvents({ newest: true, limit: 2 })).map((e) => e.id), [all[3]!.id, all[4]!.id]);
    assert.deepEqual(await s.store.listAllEvents({ afterId: all[4]!.id }), []);
  } finally {
    await s.close();
  }
});

test('the store announces events after each commit that wrote some, and not for a write that failed', async () => {
  const s = openStore();
  try {
    const at = '2026-01-01T00:00:00.000Z';
    const a = newNode({ serial: 'aaaa0003' }, at, null);
    await s.store.createNode(a, [{ kind: 'seen' }], at);
    assert.equal(s.notified(), 1);
    await s.store.updateNode({ ...a, version: 2 }, 1, [], at);
    assert.equal(s.notified(), 1, 'no events, no announcement');
    await assert.rejects(s.store.updateNode({ ...a, version: 3 }, 1, [{ kind: 'transition' }], at), VersionMismatchError);
    assert.equal(s.notified(), 1, 'a refused write announces nothing');
    assert.equal((await s.store.listAllEvents({})).length, 1);
    await s.store.appendEvents(a.id, [{ kind: 'power' }], at);
    assert.equal(s.notified(), 2);
  } finally {
    await s.close();
  }
});
