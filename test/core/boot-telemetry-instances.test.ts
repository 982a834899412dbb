// Boot telemetry of two instances on one store (each counts the boots it
// serves, in memory): a flush of an older boot never overwrites the newer
// lastBoot the other instance recorded, and two records of the same boot are
// merged (the further stage, the larger counts), never regressed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createBootTelemetry, type BootRequestRecord } from '../../src/core/boot-telemetry.js';
import { newNode } from '../../src/core/enroll.js';
import { silentLogger } from '../../src/log.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { testSettings } from '../helpers/core-deps.js';

test('two instances flushing boot telemetry: an older boot never overwrites a newer one; one boot seen by both is merged', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-telemetry-'));
  const store = createSqliteStore(path.join(dir, 'bootherd.db'));
  let clock = Date.parse('2026-05-01T10:00:00Z');
  const deps = { store, now: () => new Date(clock), logger: silentLogger, settings: testSettings() };
  const [a, b] = [createBootTelemetry(deps), createBootTelemetry(deps)];
  try {
    const node = newNode({ serial: 'b0075001' }, deps.now().toISOString(), null);
    await store.createNode(node, [], node.createdAt);
    const req = (file: string, outcome: BootRequestRecord['outcome'] = 'complete'): BootRequestRecord => ({ nodeId: node.id, file: `b0075001/${file}`, outcome, bytes: 1000, clientIp: '10.0.0.7', via: 'tftp' });
    const stored = async () => (await store.getNode(node.id))!.lastBoot!;

    await a.record(req('start4.elf'));
    const firstBoot = deps.now().toISOString();
    await a.record(req('kernel8.img', 'early-terminate'));
    assert.deepEqual([(await stored()).startedAt, (await stored()).probes], [firstBoot, 0], 'the probe is counted, not yet written');

    clock += 120_000;
    await b.record(req('start4.elf'));
    await b.record(req('kernel8.img'));
    const newer = await stored();
    assert.deepEqual([newer.startedAt, newer.stage], [deps.now().toISOString(), 'kernel'], "B's newer boot is on record");

    await a.flush();
    assert.deepEqual(await stored(), newer, "A's flush of the older boot leaves B's newer one");
    assert.equal(a.current(node.id), null, 'A stops holding a boot that is history');

    // One boot whose requests reach both instances in the same instant: each record of it is merged into the other.
    clock += 120_000;
    await a.record(req('start4.elf'));
    await b.record(req('kernel8.img'));
    await b.record(req('initramfs8'));
    await a.record(req('fixup4.dat', 'not-found'));
    await a.flush();
    const merged = await stored();
    assert.deepEqual([merged.startedAt, merged.stage, merged.notFound, merged.files], [deps.now().toISOString(), 'initramfs', 1, 2], 'the further stage and the larger counts of both');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
