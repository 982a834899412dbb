// Store.deleteNode on a real SQLite file: compare-and-set, MAC claims freed,
// events kept with the ones given appended, errors translated.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { newNode } from '../../src/core/enroll.js';
import { NotFoundError, VersionMismatchError } from '../../src/errors.js';
import { createSqliteStore } from '../../src/store/sqlite.js';

test('deleteNode: CAS, MACs freed, events kept and appended; NotFound and VersionMismatch translated', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-store-'));
  const store = createSqliteStore(path.join(dir, 'bootherd.db'));
  try {
    const at = '2026-01-01T00:00:00.000Z';
    const node = await store.createNode(newNode({ serial: 'a1b2c3d4', macs: ['dc:a6:32:00:00:01'] }, at, null), [{ kind: 'seen' }], at);
    await assert.rejects(store.deleteNode(node.id, node.version + 1), (e) => e instanceof VersionMismatchError && e.current === node.version);
    assert.ok(await store.getNode(node.id), 'a stale version deletes nothing');
    await store.deleteNode(node.id, node.version, [{ kind: 'deleted', data: { by: 'test' } }], at);
    assert.equal(await store.getNode(node.id), null);
    assert.equal(await store.findNode({ mac: 'dc:a6:32:00:00:01' }), null);
    assert.deepEqual((await store.listEvents(node.id)).map((e) => e.kind), ['seen', 'deleted']);
    await assert.rejects(store.deleteNode(node.id, node.version), NotFoundError);
    // The serial and MAC can be claimed again.
    await store.createNode(newNode({ serial: 'a1b2c3d4', macs: ['dc:a6:32:00:00:01'] }, at, null), [], at);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
