// A discovery report is all-or-nothing: when the write that records it fails,
// no node is left behind (a real SQLite store whose write is made to fail as a
// full disk would make it).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createAgentService } from '../../src/core/agent.js';
import { createDiscoveryService } from '../../src/core/discovery.js';
import { inventorySchema } from '../../src/domain/inventory.js';
import type { Node } from '../../src/domain/node.js';
import { StoreError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { testLifecycleDeps } from '../helpers/core-deps.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { piInventory } from '../helpers/server.js';

test('a report whose write fails leaves no node (the inventory write is the creating write)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-atomic-'));
  const store = createSqliteStore(path.join(dir, 'bootherd.db'));
  try {
    const full = (n: Node) => {
      if (n.hardware.model) throw new StoreError('store: update node failed: SQLITE_FULL');
    };
    const create = store.createNode.bind(store);
    const update = store.updateNode.bind(store);
    store.createNode = async (n, e, at) => (full(n), create(n, e, at));
    store.updateNode = async (n, v, e, at) => (full(n), update(n, v, e, at));
    const deps = await testLifecycleDeps(store, () => new Date());
    const discovery = createDiscoveryService({ ...deps, agent: createAgentService(deps) });
    const inv = inventorySchema.parse(piInventory('0000ab01', 'dc:a6:32:00:ab:01'));
    await assert.rejects(discovery.report(inv, { ip: '10.0.0.9', bearer: null }), StoreError);
    assert.deepEqual(await store.listNodes(), [], 'no node left behind');
    assert.equal(await store.findNode({ mac: 'dc:a6:32:00:ab:01' }), null);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
