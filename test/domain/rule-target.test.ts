import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRuleTarget, targetTemplateSchema } from '../../src/domain/rule-target.js';
import { ruleSkipReason } from '../../src/domain/rules.js';
import { newNode } from '../../src/core/enroll.js';
import type { Node } from '../../src/domain/node.js';

const vars = { hostname: 'rack1-pi07', serial: 'a1b2c3d4', mac: 'dc:a6:32:01:36:c2', id: '6f1c0d5e-0000-4000-8000-000000000001' };

test('placeholders in a rule target render per node and the result is a checked target', () => {
  const table: Array<[Record<string, unknown>, Record<string, unknown>]> = [
    [{ kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/{hostname}' }, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/rack1-pi07', options: 'vers=3' }],
    [{ kind: 'nfs-root', server: '10.0.0.1', path: '/srv/{serial}/{mac}' }, { kind: 'nfs-root', server: '10.0.0.1', path: '/srv/a1b2c3d4/dca6320136c2', options: 'vers=3' }],
    [{ kind: 'nfs-root', server: '10.0.0.1', path: '/srv/by-id/{id}' }, { kind: 'nfs-root', server: '10.0.0.1', path: `/srv/by-id/${vars.id}`, options: 'vers=3' }],
    [{ kind: 'local' }, { kind: 'local' }],
  ];
  for (const [template, want] of table) assert.deepEqual(renderRuleTarget(template, vars), { target: want }, JSON.stringify(template));
});

test('a placeholder the node cannot fill, or an unknown one, names the field', () => {
  const none = renderRuleTarget({ kind: 'nfs-root', server: '10.0.0.1', path: '/srv/{hostname}' }, { ...vars, hostname: null });
  assert.ok('issues' in none);
  assert.equal(none.issues[0]!.path, 'path');
  assert.match(none.issues[0]!.message, /\{hostname\} cannot be filled: the node has no hostname/);
  const unknown = renderRuleTarget({ kind: 'nfs-root', server: '10.0.0.1', path: '/srv/{rack}' }, vars);
  assert.ok('issues' in unknown);
  assert.match(unknown.issues[0]!.message, /unknown placeholder \{rack\}/);
});

test('a template that can never render valid is refused when the rule is written', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/{hostname} init=/bin/sh' }, /kernel command-line token/],
    [{ kind: 'nfs-root', server: '10.0.0.1', path: 'srv/{hostname}' }, /absolute path/],
    [{ kind: 'nfs-root', server: '10.0.0.1', path: '/srv/{nope}' }, /unknown placeholder/],
    [{ kind: 'usb-root', partuuid: '{serial}' }, /PARTUUID/],
    [{ kind: 'warp' }, /kind/],
  ];
  for (const [t, re] of bad) {
    const r = targetTemplateSchema.safeParse(t);
    assert.equal(r.success, false, JSON.stringify(t));
    assert.match(JSON.stringify(r.error!.issues), re);
  }
  assert.equal(targetTemplateSchema.safeParse({ kind: 'nfs-root', server: '10.0.0.1', path: '/srv/roots/{hostname}' }).success, true);
});

test('which nodes a rule may touch: untouched new/ready nodes; force adds configured ones; busy and retired never', () => {
  const base = newNode({ serial: 'a1b2c3d4', macs: ['dc:a6:32:01:36:c2'] }, '2026-01-01T00:00:00.000Z', null);
  const n = (p: Partial<Node>): Node => ({ ...base, ...p });
  const table: Array<[Partial<Node>, boolean, boolean]> = [
    // node, eligible without force, eligible with force
    [{ state: 'new' }, true, true],
    [{ state: 'ready' }, true, true],
    [{ state: 'ready', target: { kind: 'local' } }, false, true],
    [{ state: 'ready', enrolledBy: 'other' }, false, true],
    [{ state: 'deployed', target: { kind: 'local' } }, false, true],
    [{ state: 'failed' }, false, true],
    [{ state: 'installing' }, false, false],
    [{ state: 'rescue' }, false, false],
    [{ state: 'retired' }, false, false],
  ];
  for (const [p, plain, forced] of table) {
    assert.equal(ruleSkipReason(n(p), false) === null, plain, `${JSON.stringify(p)} without force`);
    assert.equal(ruleSkipReason(n(p), true) === null, forced, `${JSON.stringify(p)} with force`);
  }
});
