// The Store contract, events: a node's log (appended, paged, queried by
// kind and cursor, both orders), every node's log (filters, the newest
// page), the onEvents announcement, and the order in which ids become
// visible when several instances write at once. See contract.ts.
import assert from 'node:assert/strict';
import type { ArchivableStore } from '../../src/store/archive.js';
import { VersionMismatchError } from '../../src/errors.js';
import { at, nodeNo, rejects, storeTest, type StoreHarness } from './contract.js';

/** Reads every event after `last` in pages of 7, as a stream follower resumes; answers the ids and the new last id. */
async function resume(store: ArchivableStore, last: number, into: number[]): Promise<number> {
  for (;;) {
    const page = await store.listAllEvents({ afterId: last, limit: 7 });
    if (page.length === 0) return last;
    into.push(...page.map((e) => e.id));
    last = page[page.length - 1]!.id;
  }
}

/** Defines the event tests for one store kind. */
export function eventsContract(h: StoreHarness): void {
  const withStore = storeTest(h);
  withStore('events: appended in order, paged by afterId and limit without gaps, stamped with the writing instance', async (s, space) => {
    const other = await space.open('other');
    try {
      const n = await s.createNode(nodeNo(1), [], at(1));
      await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? other : s).appendEvents(n.id, [{ kind: `e${i}`, data: { i } }, { kind: `e${i}-b` }], at(2))));
      const all = await s.listEvents(n.id);
      assert.equal(all.length, 60);
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.id > all[i - 1]!.id, 'ids increase');
      for (const e of all) assert.equal(e.instance, Number(String(e.kind).slice(1).split('-')[0]) % 2 ? 'other' : 'contract');
      for (let i = 0; i < 30; i++) assert.equal(all.findIndex((e) => e.kind === `e${i}-b`), all.findIndex((e) => e.kind === `e${i}`) + 1, 'one append stays together');
      const paged: number[] = [];
      for (let after = 0; ;) {
        const page = await other.listEvents(n.id, { afterId: after, limit: 7 });
        if (page.length === 0) break;
        assert.ok(page.length <= 7);
        paged.push(...page.map((e) => e.id));
        after = page[page.length - 1]!.id;
      }
      assert.deepEqual(paged, all.map((e) => e.id));
      assert.deepEqual(await s.listEvents('no-such-node'), []);
    } finally {
      await other.close();
    }
  });


  withStore("a node's events by kind, between cursors, oldest or newest first", async (s) => {
    const n = await s.createNode(nodeNo(1), [{ kind: 'seen' }], at(1));
    const other = await s.createNode(nodeNo(2), [{ kind: 'seen' }], at(1));
    await s.appendEvents(n.id, ['power', 'transition', 'power', 'boot-stage', 'power'].map((kind, i) => ({ kind, data: { i } })), at(2));
    await s.appendEvents(other.id, [{ kind: 'power' }], at(3));
    const all = await s.listEvents(n.id);
    const ids = (xs: Array<{ id: number }>) => xs.map((e) => e.id);
    assert.deepEqual(all.map((e) => e.kind), ['seen', 'power', 'transition', 'power', 'boot-stage', 'power']);
    assert.deepEqual(ids(await s.listEvents(n.id, { order: 'desc' })), ids(all).reverse());
    assert.deepEqual(ids(await s.listEvents(n.id, { order: 'desc', limit: 2 })), [all[5]!.id, all[4]!.id]);
    assert.deepEqual(ids(await s.listEvents(n.id, { kinds: ['power'] })), [all[1]!.id, all[3]!.id, all[5]!.id]);
    assert.deepEqual(ids(await s.listEvents(n.id, { kinds: ['power', 'seen'], order: 'desc', beforeId: all[5]!.id, limit: 2 })), [all[3]!.id, all[1]!.id]);
    assert.deepEqual(ids(await s.listEvents(n.id, { afterId: all[1]!.id, beforeId: all[4]!.id })), [all[2]!.id, all[3]!.id]);
    assert.deepEqual(await s.listEvents(n.id, { kinds: ['nothing'] }), []);
  });

  withStore('every node\'s events in id order, with filters and the newest page', async (s) => {
    const a = await s.createNode(nodeNo(1, { labels: { rack: 'r1' } }), [{ kind: 'seen' }], at(1));
    const b = await s.createNode(nodeNo(2, { labels: { rack: 'r2' } }), [{ kind: 'seen' }], at(1));
    await s.appendEvents(a.id, [{ kind: 'power', data: { op: 'power-on' } }, { kind: 'transition' }], at(2));
    await s.appendEvents(b.id, [{ kind: 'transition' }], at(2));
    const all = await s.listAllEvents({});
    const ids = (q: Parameters<ArchivableStore['listAllEvents']>[0]) => s.listAllEvents(q).then((xs) => xs.map((e) => e.id));
    assert.deepEqual(all.map((e) => [e.nodeId, e.kind, e.instance]), [[a.id, 'seen', 'contract'], [b.id, 'seen', 'contract'], [a.id, 'power', 'contract'], [a.id, 'transition', 'contract'], [b.id, 'transition', 'contract']]);
    assert.deepEqual(all[2]!.data, { op: 'power-on' });
    const id = all.map((e) => e.id);
    assert.deepEqual(id, [...id].sort((x, y) => x - y));
    assert.deepEqual(await ids({ afterId: id[1], limit: 2 }), [id[2], id[3]]);
    assert.deepEqual(await ids({ nodeId: b.id }), [id[1], id[4]]);
    assert.deepEqual(await ids({ kinds: ['power', 'seen'] }), [id[0], id[1], id[2]]);
    assert.deepEqual(await ids({ label: { key: 'rack', value: 'r1' } }), [id[0], id[2], id[3]]);
    assert.deepEqual(await ids({ label: { key: 'rack', value: 'r1' }, kinds: ['transition'] }), [id[3]]);
    assert.deepEqual(await ids({ newest: true, limit: 2 }), [id[3], id[4]]);
    assert.deepEqual(await ids({ newest: true, limit: 2, kinds: ['seen'] }), [id[0], id[1]]);
    assert.deepEqual(await s.listAllEvents({ afterId: id[4] }), []);
  });

  withStore('onEvents: once after each commit that wrote events; not for a write without events, nor for one refused', async (_s, space) => {
    let heard = 0;
    const s = await space.open('announcer', { onEvents: () => heard++ });
    try {
      heard = 0;
      const n = await s.createNode(nodeNo(1), [{ kind: 'seen' }], at(1));
      assert.equal(heard, 1, 'told by the time the write answers');
      await s.updateNode({ ...n, version: 2 }, 1, [], at(2));
      assert.equal(heard, 1, 'no events, no announcement');
      await rejects(s.updateNode({ ...n, version: 3 }, 1, [{ kind: 'transition' }], at(3)), VersionMismatchError);
      assert.equal(heard, 1, 'a refused write announces nothing');
      await s.appendEvents(n.id, [{ kind: 'power' }, { kind: 'power' }], at(4));
      await s.deleteNode(n.id, 2, [{ kind: 'deleted' }], at(5));
      assert.equal(heard, 3);
      assert.equal((await s.listAllEvents({})).length, 4);
    } finally {
      await s.close();
    }
  });

  if (h.multiInstance) {
    withStore("onEvents hears the other instances' events", async (s, space) => {
      let heard = 0;
      const listening = await space.open('listener', { onEvents: () => heard++ });
      try {
        heard = 0;
        const n = await s.createNode(nodeNo(1), [{ kind: 'seen' }], at(1));
        for (let i = 0; heard === 0; i++) {
          assert.ok(i < 2000, 'no wake-up for an event another instance wrote');
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.deepEqual((await listening.listAllEvents({})).map((e) => [e.nodeId, e.instance]), [[n.id, 'contract']]);
      } finally {
        await listening.close();
      }
    });
  }

  withStore('ids become visible in increasing order: a reader resuming after the last id it saw misses none while instances write at once', async (s, space) => {
    const [other, reader] = [await space.open('other'), await space.open('reader')];
    try {
      const n = await s.createNode(nodeNo(1), [], at(1));
      const seen: number[] = [];
      let last = 0;
      // A writer caught between drawing its event id and committing (where the store lets a test hold one), and a second writer meanwhile.
      const gate = await space.holdCommits?.('held');
      const held = s.appendEvents(n.id, [{ kind: 'held' }], at(2));
      await gate?.waiting(1);
      const free = other.appendEvents(n.id, [{ kind: 'free' }], at(3));
      if (gate) await Promise.race([free, gate.waiting(2)]);
      last = await resume(reader, last, seen);
      await gate?.release();
      await Promise.all([held, free]);
      let writing = true;
      const writers = Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? other : s).appendEvents(n.id, [{ kind: `w${i}` }, { kind: `w${i}-b` }], at(4)))).finally(() => (writing = false));
      while (writing) last = await resume(reader, last, seen);
      await writers;
      await resume(reader, last, seen);
      const all = (await s.listAllEvents({ limit: 5000 })).map((e) => e.id);
      assert.equal(all.length, 2 + 120);
      assert.deepEqual(seen, all, 'the resuming reader saw every event, once, in id order');
    } finally {
      await Promise.all([other.close(), reader.close()]);
    }
  });
}
