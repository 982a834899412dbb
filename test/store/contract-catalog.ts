// The Store contract, catalog: rules, rule sequences, images, power
// controllers, and the archive (export, import, refusals). See contract.ts.
import assert from 'node:assert/strict';
import { ConflictError, NotFoundError } from '../../src/errors.js';
import { readArchive } from '../../src/store/archive.js';
import { at, each, exportLines, nodeNo, rejects, rule, storeTest, type StoreHarness } from './contract.js';

/** Defines the rule, image and archive tests for one store kind. */
export function catalogContract(h: StoreHarness): void {
  const withStore = storeTest(h);
  withStore('rules: created, read, listed by priority then name, updated, deleted; duplicate names and missing rules refused', async (s) => {
    const b = await s.createRule('id-b', rule('b', 10), at(1));
    assert.deepEqual({ id: b.id, sequence: b.sequence, createdAt: b.createdAt, name: b.name }, { id: 'id-b', sequence: 1, createdAt: at(1), name: 'b' });
    await s.createRule('id-a', rule('a', 10), at(2));
    await s.createRule('id-z', rule('z', 1), at(3));
    assert.deepEqual((await s.listRules()).map((r) => r.name), ['z', 'a', 'b']);
    assert.deepEqual(await s.getRule('id-b'), b);
    assert.equal(await s.getRule('nope'), null);
    const dup = await rejects(s.createRule('id-c', rule('a'), at(4)), ConflictError, 'create rule: a rule with this name exists');
    assert.equal((dup as ConflictError).code, 'duplicate');
    await rejects(s.createRule('id-a', rule('c'), at(4)), ConflictError, 'create rule: a rule with this id exists');
    await rejects(s.updateRule('id-b', rule('a')), ConflictError, 'update rule: a rule with this name exists');
    const renamed = await s.updateRule('id-b', rule('bb', 0));
    assert.deepEqual([renamed.name, renamed.priority, renamed.createdAt, renamed.sequence], ['bb', 0, at(1), 1]);
    assert.deepEqual((await s.listRules()).map((r) => r.name), ['bb', 'z', 'a']);
    await rejects(s.updateRule('nope', rule('q')), NotFoundError, 'rule nope: not found');
    await s.deleteRule('id-z');
    await rejects(s.deleteRule('id-z'), NotFoundError, 'rule id-z: not found');
    assert.deepEqual((await s.listRules()).map((r) => r.id), ['id-b', 'id-a']);
  });

  withStore('rule sequences: concurrent takers on two handles get distinct consecutive numbers', async (s, space) => {
    const other = await space.open('other');
    try {
      await s.createRule('r', rule('r', 100, 5), at(1));
      const got = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? other : s).takeRuleSequence('r')));
      assert.deepEqual([...got].sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => 5 + i));
      assert.equal((await other.getRule('r'))?.sequence, 45);
      await rejects(s.takeRuleSequence('nope'), NotFoundError, 'rule nope: not found');
    } finally {
      await other.close();
    }
  });

  withStore('images: put creates, put again updates and keeps createdAt, listed by name, deleted; a missing one is not found', async (s) => {
    const first = await s.putImage('raspios', { cmdline: ['quiet'], kernel: 'kernel8.img' }, at(1));
    assert.deepEqual(first, { cmdline: ['quiet'], kernel: 'kernel8.img', name: 'raspios', createdAt: at(1), updatedAt: at(1) });
    const again = await s.putImage('raspios', { cmdline: [], arch: 'arm64' }, at(2));
    assert.deepEqual(again, { cmdline: [], arch: 'arm64', name: 'raspios', createdAt: at(1), updatedAt: at(2) });
    await s.putImage('alpine', { cmdline: [] }, at(3));
    assert.deepEqual((await s.listImages()).map((i) => i.name), ['alpine', 'raspios']);
    assert.deepEqual(await s.getImage('raspios'), again);
    assert.equal(await s.getImage('nope'), null);
    await s.deleteImage('alpine');
    await rejects(s.deleteImage('alpine'), NotFoundError, 'image alpine: not found');
    assert.deepEqual((await s.listImages()).map((i) => i.name), ['raspios']);
  });

  withStore('power controllers: put creates, put again replaces and keeps createdAt, listed by name with their params (secrets too), deleted', async (s) => {
    const sw = await s.putController('sw1', 'snmp-poe', { host: '10.0.0.2', community: 'sekrit' }, at(1));
    assert.deepEqual(sw, { name: 'sw1', driver: 'snmp-poe', params: { host: '10.0.0.2', community: 'sekrit' }, createdAt: at(1), updatedAt: at(1) });
    await s.putController('bmc', 'ipmi', { host: '10.0.0.3', username: 'admin', password: 'pw' }, at(2));
    const again = await s.putController('sw1', 'command', { argv: ['true'] }, at(3));
    assert.deepEqual(again, { name: 'sw1', driver: 'command', params: { argv: ['true'] }, createdAt: at(1), updatedAt: at(3) });
    assert.deepEqual((await s.listControllers()).map((c) => [c.name, c.driver, c.params]), [['bmc', 'ipmi', { host: '10.0.0.3', username: 'admin', password: 'pw' }], ['sw1', 'command', { argv: ['true'] }]]);
    await s.deleteController('bmc');
    await rejects(s.deleteController('bmc'), NotFoundError, 'power controller bmc: not found');
    assert.deepEqual((await s.listControllers()).map((c) => c.name), ['sw1']);
  });

  withStore('archive: export then import into an empty store keeps every record; new events continue after the imported ids', async (s) => {
    const a = await s.createNode(nodeNo(1, { hostname: 'pi-1', labels: { rack: 'r1' } }), [{ kind: 'seen', data: { ip: '10.1.0.1' } }], at(1));
    const b = await s.createNode(nodeNo(2), [{ kind: 'seen' }], at(2));
    await s.mergeNodes({ ...a, identity: { ...a.identity, macs: [...a.identity.macs, ...b.identity.macs] }, version: 2 }, 1, b.id, 1, [{ kind: 'merged' }], at(3));
    await s.createRule('r1', rule('rack1', 5, 7), at(4));
    await s.takeRuleSequence('r1');
    await s.putImage('raspios', { cmdline: ['quiet'] }, at(5));
    await s.putImage('raspios', { cmdline: ['ro'] }, at(6));
    await s.putController('sw1', 'snmp-poe', { host: '10.0.0.2', community: 'sekrit', v3: { authKey: 'k' } }, at(6));
    const pending = await s.createNode(nodeNo(9, { pending: true, power: { controller: 'sw1', port: '3', resolvedPort: null } }), [], at(6));
    await s.deleteNode(pending.id, 1, [{ kind: 'deleted' }], at(6));
    const lines = await exportLines(s);
    assert.equal(lines.length, 1 + 1 + 4 + 1 + 1 + 1 + 1, 'header, a node, 4 events (one of a deleted node), a rule, an image, a power controller, end');

    const target = await h.fresh();
    const t = await target.open('target');
    try {
      assert.deepEqual(await t.archive.load(readArchive(each(lines))), { nodes: 1, events: 4, rules: 1, images: 1, controllers: 1 });
      assert.deepEqual(await t.listNodes(), await s.listNodes());
      assert.deepEqual(await t.listEvents(a.id), await s.listEvents(a.id));
      assert.deepEqual(await t.listAllEvents({}), await s.listAllEvents({}), 'every event, a deleted node\'s too, with its id and instance');
      assert.deepEqual(await t.listRules(), await s.listRules());
      assert.deepEqual(await t.listImages(), await s.listImages());
      assert.deepEqual(await t.listControllers(), await s.listControllers(), 'power controllers, secrets and all: the archive is a backup');
      assert.equal((await t.findNode({ mac: b.identity.macs[0]! }))?.id, a.id);
      assert.equal(await t.takeRuleSequence('r1'), 8, 'the sequence carries over');
      await t.appendEvents(a.id, [{ kind: 'after-import' }], at(7));
      const events = await t.listEvents(a.id);
      assert.ok(events[3]!.id > events[2]!.id, 'a new event gets a fresh id');
      assert.deepEqual(await exportLines(t).then((l) => l.length), lines.length + 1);
      await rejects(t.archive.load(readArchive(each(lines))), ConflictError, /the target store is not empty \(1 nodes, 5 events, 1 rules, 1 images, 1 power controllers\)/);
      assert.deepEqual(await t.archive.counts(), { nodes: 1, events: 5, rules: 1, images: 1, controllers: 1 });
    } finally {
      await t.close();
      await target.cleanup();
    }
  });

  withStore('archive: a truncated or corrupt archive is refused, naming the line, and imports nothing', async (s) => {
    for (let i = 1; i <= 4; i++) await s.createNode(nodeNo(i), [{ kind: 'seen' }], at(i));
    const lines = await exportLines(s);
    const empty = await h.fresh();
    const t = await empty.open('t');
    try {
      await rejects(t.archive.load(readArchive(each(lines.slice(0, -1)))), Error, /line 9: the archive ends without its end line: it is truncated/);
      const corrupt = [...lines];
      corrupt[3] = corrupt[3]!.replace('"version":1', '"version":"one"');
      await rejects(t.archive.load(readArchive(each(corrupt))), Error, /line 4: version: /);
      await rejects(t.archive.load(readArchive(each(['{"type":"node"}']))), Error, /line 1: not a bootherd store archive/);
      assert.deepEqual(await t.archive.counts(), { nodes: 0, events: 0, rules: 0, images: 0, controllers: 0 });
    } finally {
      await t.close();
      await empty.cleanup();
    }
  });
}
