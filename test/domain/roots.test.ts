// The pure rules of per-node roots and nextBoot, by table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newNode } from '../../src/core/enroll.js';
import { nextBoot } from '../../src/domain/next-boot.js';
import type { Node } from '../../src/domain/node.js';
import { desiredExports, freeExportId, isInside } from '../../src/domain/roots.js';

const at = '2026-01-01T00:00:00.000Z';
const node = (patch: Partial<Node>): Node => ({ ...newNode({ macs: ['dc:a6:32:00:00:01'] }, at, '10.0.0.7'), ...patch });
const root = (p: string, exportId = 100) => ({ provider: 'btrfs' as const, path: p, image: 'raspios-lite', createdAt: at, exported: false, exportId });

test('isInside: strictly inside after normalising', () => {
  const cases: Array<[string, string, boolean]> = [
    ['/srv/roots', '/srv/roots/pi07', true], ['/srv/roots', '/srv/roots', false], ['/srv/roots/', '/srv/roots/a/b', true],
    ['/srv/roots', '/srv/roots/../etc', false], ['/srv/roots', '/srv/rootsx/a', false], ['/srv/roots', '/srv/roots/./a/..', false],
  ];
  for (const [parent, child, want] of cases) assert.equal(isInside(parent, child), want, `${parent} ${child}`);
});

test('desiredExports: one per node with a root that is its target, an address, and not retired or new', () => {
  const t = (p: string) => ({ kind: 'nfs-root' as const, image: 'raspios-lite', server: '10.0.0.1', path: p, options: 'vers=3' });
  const nodes = [
    node({ id: 'a', state: 'deployed', target: t('/r/a'), root: root('/r/a', 101) }),
    node({ id: 'b', state: 'retired', target: t('/r/b'), root: root('/r/b') }),
    node({ id: 'c', state: 'deployed', target: t('/r/other'), root: root('/r/c') }),
    node({ id: 'd', state: 'rescue', target: t('/r/d'), root: root('/r/d', 102), lastIp: '10.0.0.9' }),
    node({ id: 'e', state: 'deployed', target: t('/r/e'), root: root('/r/e'), lastIp: null }),
    node({ id: 'f', state: 'deployed', target: { kind: 'local' } }),
  ];
  assert.deepEqual(desiredExports(nodes), [
    { nodeId: 'a', path: '/r/a', client: '10.0.0.7', exportId: 101 },
    { nodeId: 'd', path: '/r/d', client: '10.0.0.9', exportId: 102 },
  ]);
  assert.equal(freeExportId([100, 101, 103]), 102);
});

test('nextBoot says in one line what each state and target boots', () => {
  const cases: Array<[Partial<Node>, string]> = [
    [{ state: 'new' }, 'discovery image (hold: waiting for a target)'],
    [{ state: 'failed', failure: 'install failed: sha256 mismatch' }, 'discovery image (hold: install failed: sha256 mismatch)'],
    [{ state: 'deployed', target: { kind: 'nfs-root', image: 'raspios-lite', server: '10.0.0.1', path: '/srv/roots/rack1-pi07', options: 'vers=3' } }, 'nfs-root raspios-lite -> 10.0.0.1:/srv/roots/rack1-pi07'],
    [{ state: 'deployed', target: { kind: 'nfs-root', path: '/srv/x', options: 'vers=3' } }, 'nfs-root (firmware-dir kernel) -> 192.0.2.1:/srv/x'],
    [{ state: 'deployed', target: { kind: 'usb-root', image: 'raspios-lite', partuuid: 'c1f95d14-02' } }, 'usb-root raspios-lite -> PARTUUID=c1f95d14-02'],
    [{ state: 'installing', target: { kind: 'install', image: 'raspios-lite', disk: '4C530001', then: { kind: 'usb-root' } } }, 'install raspios-lite -> disk 4C530001, then usb-root raspios-lite -> PARTUUID from the install report'],
    [{ state: 'deployed', target: { kind: 'local' } }, 'local disk (bootherd steps aside)'],
    [{ state: 'rescue', target: { kind: 'local' } }, 'rescue system (discovery image in rescue mode)'],
    [{ state: 'retired' }, 'nothing (retired: every boot request gets file-not-found)'],
  ];
  for (const [patch, want] of cases) assert.equal(nextBoot(node(patch), '192.0.2.1'), want);
});
