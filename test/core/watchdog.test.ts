import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { applyLifecycle } from '../../src/core/lifecycle-ops.js';
import { newNode } from '../../src/core/enroll.js';
import { createWatchdog } from '../../src/core/watchdog.js';
import { testLifecycleDeps, testSettings } from '../helpers/core-deps.js';
import { createSqliteStore } from '../../src/store/sqlite.js';

test('the watchdog fails an install that went silent past the timeout, and only that one', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-wd-'));
  const store = createSqliteStore(path.join(dir, 'db'));
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const deps = await testLifecycleDeps(store, () => new Date(clock), { settings: testSettings({ installTimeoutSeconds: 600 }) });
  await store.putImage('img', { cmdline: [], disk: { url: 'http://x/y.img', sha256: 'c'.repeat(64), compression: 'none' } }, deps.now().toISOString());
  const install = { kind: 'install' as const, image: 'img', disk: 'sda', then: { kind: 'local' as const } };
  const ids: string[] = [];
  for (const serial of ['0000dd01', '0000dd02']) {
    const n = newNode({ serial }, deps.now().toISOString(), null);
    await store.createNode(n, [], n.createdAt);
    await applyLifecycle(deps, n.id, { type: 'assign', target: install });
    ids.push(n.id);
  }
  clock += 500_000;
  await store.updateNode({ ...(await store.getNode(ids[1]!))!, install: { bytes: 1, updatedAt: deps.now().toISOString() }, version: 3 }, 2, [], deps.now().toISOString());
  clock += 200_000;
  assert.equal((await createWatchdog(deps).sweep()).acted, 1);
  const [a, b] = [await store.getNode(ids[0]!), await store.getNode(ids[1]!)];
  assert.deepEqual([a?.state, b?.state], ['failed', 'installing']);
  assert.match(a?.failure ?? '', /watchdog timeout/);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
