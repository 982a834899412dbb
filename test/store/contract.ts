// The Store contract, one suite parameterised by a store factory: every store
// (SQLite, PostgreSQL) must pass it unchanged. Nodes, CAS, merges, deletes and
// counts here; events in contract-events.ts; rules, images, power controllers
// and the archive in contract-catalog.ts; locks in contract-locks.ts. Each
// test gets an empty store; `open()` gives further handles on the same
// database, standing in for several bootherd instances.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newNode } from '../../src/core/enroll.js';
import type { Node } from '../../src/domain/node.js';
import { ruleInputSchema } from '../../src/domain/rules.js';
import { ConflictError, NotFoundError, VersionMismatchError } from '../../src/errors.js';
import { writeArchive, type ArchivableStore } from '../../src/store/archive.js';
import type { StoreOptions } from '../../src/store/store.js';
import { catalogContract } from './contract-catalog.js';
import { eventsContract } from './contract-events.js';
import { locksContract } from './contract-locks.js';

/** Commits of events of one kind held back at COMMIT, until released: a writer caught between drawing its ids and committing. */
export interface CommitGate {
  /** Resolves once `n` sessions of the store wait on a lock (the held writer, and whoever waits behind it). */
  waiting(n: number): Promise<void>;
  release(): Promise<void>;
}

/** An empty database and a way to open handles on it. */
export interface StoreSpace {
  open(instance?: string, opts?: Pick<StoreOptions, 'onEvents'>): Promise<ArchivableStore>;
  /** Holds back the commit of every transaction that writes an event of `kind` (stores whose writers can be caught mid-commit). */
  holdCommits?(kind: string): Promise<CommitGate>;
  cleanup(): Promise<void>;
}

/** What the suite needs from a store kind. */
export interface StoreHarness {
  name: string;
  /** Whether handles on one database behave as several instances: shared locks, each hearing of the others' events (PostgreSQL). SQLite serves one instance. */
  multiInstance: boolean;
  fresh(): Promise<StoreSpace>;
}

/** An ISO time `s` seconds into 2024. */
export const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
/** A node with serial, MAC and IP derived from `i`. */
export const nodeNo = (i: number, extra: Partial<Node> = {}): Node => ({ ...newNode({ serial: hex(0xab000000 + i, 8), macs: [`dc:a6:32:00:${hex(i >> 8, 2)}:${hex(i & 0xff, 2)}`] }, at(i), `10.1.0.${i}`), ...extra });
/** A rule input named `name` with a hostname template. */
export const rule = (name: string, priority = 100, sequenceStart = 1) => ruleInputSchema.parse({ name, priority, apply: { hostname: `${name}-{seq}`, sequenceStart } });

/** Asserts that `p` rejects with `cls` (and `message`, exactly or by pattern). */
export async function rejects(p: Promise<unknown>, cls: new (...a: never[]) => Error, message?: string | RegExp): Promise<Error> {
  const err = await p.then(() => null, (e: unknown) => e as Error);
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${err === null ? 'success' : `${err?.constructor.name}: ${err?.message}`}`);
  if (typeof message === 'string') assert.equal(err.message, message);
  else if (message) assert.match(err.message, message);
  return err;
}

/** The store's archive as lines. */
export async function exportLines(store: ArchivableStore): Promise<string[]> {
  const lines: string[] = [];
  await writeArchive(store.archive, 'test', (l) => void lines.push(l.trimEnd()));
  return lines;
}

/** An async iterable over `xs`. */
export async function* each<T>(xs: T[]): AsyncGenerator<T> {
  yield* xs;
}

/** A test on a fresh store of harness `h` (and its space, for more handles). */
export const storeTest = (h: StoreHarness) => (name: string, fn: (s: ArchivableStore, space: StoreSpace) => Promise<void>) =>
  test(name, async () => {
    const space = await h.fresh();
    const store = await space.open('contract');
    try {
      await fn(store, space);
    } finally {
      await store.close();
      await space.cleanup();
    }
  });

/** Defines the contract tests for one store kind. */
export function storeContract(h: StoreHarness): void {
  const withStore = storeTest(h);
  describe(`Store contract: ${h.name}`, () => {
    withStore('creates a node with its events and finds it by id and by every identity', async (s) => {
      const n = nodeNo(1, { hostname: 'pi-1', identity: { serial: 'ab000001', macs: ['dc:a6:32:00:00:01', 'dc:a6:32:00:00:f1'], uuid: '4c4c4544-0000-1000-8000-000000000001' } });
      assert.deepEqual(await s.createNode(n, [{ kind: 'seen', data: { via: 'tftp' } }, { kind: 'second' }], at(1)), n);
      assert.deepEqual(await s.getNode(n.id), n);
      for (const key of [{ serial: 'ab000001' }, { mac: 'dc:a6:32:00:00:f1' }, { uuid: n.identity.uuid! }, { hostname: 'pi-1' }, { ip: '10.1.0.1' }]) assert.equal((await s.findNode(key))?.id, n.id, JSON.stringify(key));
      for (const key of [{ serial: 'ffffffff' }, { mac: 'dc:a6:32:ff:ff:ff' }, { uuid: 'x' }, { hostname: 'nope' }, { ip: '10.9.9.9' }]) assert.equal(await s.findNode(key), null);
      assert.equal(await s.getNode('no-such-id'), null);
      const events = await s.listEvents(n.id);
      assert.deepEqual(events.map((e) => [e.nodeId, e.kind, e.data, e.at, e.instance]), [[n.id, 'seen', { via: 'tftp' }, at(1), 'contract'], [n.id, 'second', {}, at(1), 'contract']]);
      assert.ok(events[0]!.id < events[1]!.id);
    });

    withStore('lists nodes in creation order (then id), filtered and paged, and counts them by state', async (s) => {
      const nodes = [nodeNo(3, { state: 'ready', labels: { rack: 'r1' } }), nodeNo(1, { labels: { rack: 'r2' } }), nodeNo(2, { state: 'ready', labels: { rack: 'r1', 'a.b': 'x' } })];
      const twin = nodeNo(4, { createdAt: nodes[1]!.createdAt, id: '00000000-tie' });
      for (const n of [...nodes, twin]) await s.createNode(n, [], n.createdAt);
      const ids = (xs: Node[]) => xs.map((x) => x.id);
      assert.deepEqual(ids(await s.listNodes()), [twin.id, nodes[1]!.id, nodes[2]!.id, nodes[0]!.id]);
      assert.deepEqual(ids(await s.listNodes({ state: 'ready' })), [nodes[2]!.id, nodes[0]!.id]);
      assert.deepEqual(ids(await s.listNodes({ label: { key: 'rack', value: 'r1' } })), [nodes[2]!.id, nodes[0]!.id]);
      assert.deepEqual(ids(await s.listNodes({ label: { key: 'a.b', value: 'x' } })), [nodes[2]!.id]);
      assert.deepEqual(ids(await s.listNodes({ serial: nodes[0]!.identity.serial! })), [nodes[0]!.id]);
      assert.deepEqual(ids(await s.listNodes({ mac: nodes[1]!.identity.macs[0]! })), [nodes[1]!.id]);
      assert.deepEqual(ids(await s.listNodes({ state: 'ready', label: { key: 'rack', value: 'r2' } })), []);
      assert.deepEqual(ids(await s.listNodes({ limit: 2, offset: 1 })), [nodes[1]!.id, nodes[2]!.id]);
      assert.deepEqual(ids(await s.listNodes({ offset: 3 })), [nodes[0]!.id]);
      assert.deepEqual(await s.countNodesByState(), { new: 2, ready: 2 });
    });

    withStore('refuses a duplicate serial, MAC, uuid or hostname with the same messages, and writes none of it', async (s) => {
      await s.createNode(nodeNo(1, { hostname: 'taken', identity: { serial: 'ab000001', macs: ['dc:a6:32:00:00:01'], uuid: 'u-1' } }), [], at(1));
      const clashes: Array<[Partial<Node>, string]> = [
        [{ identity: { serial: 'ab000001', macs: ['dc:a6:32:00:00:99'], uuid: null } }, 'create node: serial is already claimed by another node'],
        [{ identity: { serial: 'ab000099', macs: ['dc:a6:32:00:00:01'], uuid: null } }, 'create node: a MAC address is already claimed by another node'],
        [{ identity: { serial: 'ab000099', macs: [], uuid: 'u-1' } }, 'create node: uuid is already claimed by another node'],
        [{ hostname: 'taken', identity: { serial: 'ab000099', macs: [], uuid: null } }, 'create node: hostname is already used by another node'],
      ];
      for (const [patch, message] of clashes) {
        const dup = nodeNo(9, patch);
        const err = await rejects(s.createNode(dup, [{ kind: 'seen' }], at(9)), ConflictError, message);
        assert.equal((err as ConflictError).code, 'duplicate');
        assert.equal(await s.getNode(dup.id), null);
        assert.deepEqual(await s.listEvents(dup.id), []);
      }
      const other = await s.createNode(nodeNo(2), [], at(2));
      await rejects(s.updateNode({ ...other, hostname: 'taken', version: 2 }, 1, [{ kind: 'renamed' }], at(3)), ConflictError, 'update node: hostname is already used by another node');
      await rejects(s.updateNode({ ...other, identity: { ...other.identity, macs: ['dc:a6:32:00:00:01'] }, version: 2 }, 1, [{ kind: 'moved' }], at(3)), ConflictError, 'update node: a MAC address is already claimed by another node');
      assert.deepEqual(await s.getNode(other.id), other);
      assert.equal((await s.findNode({ mac: other.identity.macs[0]! }))?.id, other.id, 'its own MAC is still its own');
      assert.deepEqual(await s.listEvents(other.id), []);
      assert.deepEqual(await s.countNodesByState(), { new: 2 });
    });

    withStore('compare-and-set: the expected version wins, a stale one loses and changes nothing, a missing node is not found', async (s) => {
      const n = await s.createNode(nodeNo(1), [], at(1));
      const v2 = { ...n, hostname: 'pi-a', identity: { ...n.identity, macs: ['dc:a6:32:00:00:aa'] }, version: 2, updatedAt: at(2) };
      assert.deepEqual(await s.updateNode(v2, 1, [{ kind: 'renamed', data: { to: 'pi-a' } }], at(2)), v2);
      assert.deepEqual(await s.getNode(n.id), v2);
      assert.equal(await s.findNode({ mac: 'dc:a6:32:00:00:01' }), null, 'the old MAC is released');
      assert.equal((await s.findNode({ mac: 'dc:a6:32:00:00:aa' }))?.id, n.id);
      const stale = await rejects(s.updateNode({ ...n, hostname: 'pi-b', version: 2 }, 1, [{ kind: 'lost' }], at(3)), VersionMismatchError);
      assert.equal((stale as VersionMismatchError).current, 2);
      assert.deepEqual(await s.getNode(n.id), v2);
      assert.deepEqual((await s.listEvents(n.id)).map((e) => e.kind), ['renamed']);
      await rejects(s.updateNode(nodeNo(7, { version: 2 }), 1, [], at(4)), NotFoundError, /not found/);
    });

    withStore('two handles racing on one version: exactly one write wins, every other gets VersionMismatchError', async (s, space) => {
      const other = await space.open('other');
      try {
        const n = await s.createNode(nodeNo(1), [], at(1));
        const tries = Array.from({ length: 12 }, (_, i) => (i % 2 ? other : s).updateNode({ ...n, hostname: `w-${i}`, version: 2 }, 1, [{ kind: 'won', data: { i } }], at(2)));
        const results = await Promise.allSettled(tries);
        const won = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Node>[];
        assert.equal(won.length, 1, 'exactly one winner');
        for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof VersionMismatchError, String(r.reason));
        assert.equal((await s.getNode(n.id))?.hostname, won[0]!.value.hostname);
        const events = await other.listEvents(n.id);
        assert.deepEqual(events.map((e) => [e.kind, `w-${String(e.data.i)}`]), [['won', won[0]!.value.hostname]]);
      } finally {
        await other.close();
      }
    });

    withStore('merge moves the absorbed node\'s events and deletes it in one transaction; a stale version on either side changes nothing', async (s) => {
      const a = await s.createNode(nodeNo(1), [{ kind: 'a-1' }], at(1));
      const b = await s.createNode(nodeNo(2), [{ kind: 'b-1' }], at(2));
      const c = await s.createNode(nodeNo(3), [{ kind: 'c-1' }], at(3));
      const merged = (x: Node, y: Node) => ({ ...x, identity: { ...x.identity, macs: [...x.identity.macs, ...y.identity.macs] }, version: x.version + 1 });
      await rejects(s.mergeNodes(merged(a, b), a.version, b.id, b.version + 5, [{ kind: 'merged' }], at(4)), VersionMismatchError);
      await rejects(s.mergeNodes(merged(a, b), a.version + 5, b.id, b.version, [{ kind: 'merged' }], at(4)), VersionMismatchError);
      assert.deepEqual(await s.getNode(b.id), b, 'a failed merge leaves the absorbed node');
      assert.deepEqual(await s.getNode(a.id), a);
      assert.deepEqual((await s.listEvents(b.id)).map((e) => e.kind), ['b-1']);
      assert.deepEqual((await s.listEvents(a.id)).map((e) => e.kind), ['a-1']);
      await rejects(s.mergeNodes(merged(a, b), a.version, 'gone', 1, [], at(4)), NotFoundError);

      const out = await s.mergeNodes(merged(a, b), a.version, b.id, b.version, [{ kind: 'merged', data: { absorbed: b.id } }], at(5));
      assert.deepEqual(await s.getNode(a.id), out);
      assert.equal(await s.getNode(b.id), null);
      assert.equal((await s.findNode({ mac: b.identity.macs[0]! }))?.id, a.id, "the absorbed node's MAC now finds the survivor");
      assert.deepEqual((await s.listEvents(a.id)).map((e) => e.kind), ['a-1', 'b-1', 'merged']);
      assert.deepEqual(await s.listEvents(b.id), []);
      assert.deepEqual((await s.listEvents(c.id)).map((e) => e.kind), ['c-1']);
    });

    withStore('deleteNode: compare-and-set, MAC claims freed, events kept with the given ones appended; missing and stale refused', async (s) => {
      const n = await s.createNode(nodeNo(1, { hostname: 'gone' }), [{ kind: 'seen' }], at(1));
      const stale = await rejects(s.deleteNode(n.id, n.version + 1, [{ kind: 'deleted' }], at(2)), VersionMismatchError);
      assert.equal((stale as VersionMismatchError).current, n.version);
      assert.deepEqual(await s.getNode(n.id), n, 'a stale version deletes nothing');
      assert.deepEqual((await s.listEvents(n.id)).map((e) => e.kind), ['seen']);
      await s.deleteNode(n.id, n.version, [{ kind: 'deleted', data: { by: 'test' } }], at(3));
      assert.equal(await s.getNode(n.id), null);
      for (const key of [{ mac: n.identity.macs[0]! }, { serial: n.identity.serial! }, { hostname: 'gone' }]) assert.equal(await s.findNode(key), null);
      assert.deepEqual((await s.listEvents(n.id)).map((e) => [e.kind, e.data, e.at]), [['seen', {}, at(1)], ['deleted', { by: 'test' }, at(3)]]);
      await rejects(s.deleteNode(n.id, n.version), NotFoundError, `node ${n.id}: not found`);
      await s.createNode(nodeNo(1, { hostname: 'gone' }), [], at(4));
      assert.equal((await s.findNode({ mac: n.identity.macs[0]! }))?.hostname, 'gone', 'serial, MAC and hostname can be claimed again');
    });

    withStore('countNodes and the pending filter: what listNodes would list, limit and offset ignored; a doc without pending is not pending', async (s) => {
      const { pending: _p, ...old } = nodeNo(4);
      const nodes = [nodeNo(1, { pending: true }), nodeNo(2, { pending: true, labels: { rack: 'r1' } }), nodeNo(3, { pending: false, state: 'ready' }), old as Node];
      for (const n of nodes) await s.createNode(n, [], n.createdAt);
      const ids = (xs: Node[]) => xs.map((x) => x.id);
      for (const f of [{}, { pending: true }, { pending: false }, { state: 'new' as const, pending: true }, { state: 'ready' as const, pending: true }, { pending: true, label: { key: 'rack', value: 'r1' } }]) {
        const listed = await s.listNodes(f);
        assert.equal(await s.countNodes({ ...f, limit: 1, offset: 1 }), listed.length, JSON.stringify(f));
      }
      assert.deepEqual(ids(await s.listNodes({ pending: true })), [nodes[0]!.id, nodes[1]!.id]);
      assert.deepEqual(ids(await s.listNodes({ pending: false })), [nodes[2]!.id, nodes[3]!.id]);
      assert.equal(await s.countNodes({ state: 'new', pending: true }), 2);
      assert.equal(await s.countNodes({ serial: 'ffffffff' }), 0);
    });

    eventsContract(h);
    catalogContract(h);
    locksContract(h);
  });
}
