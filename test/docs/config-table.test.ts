// The README's configuration table is complete and true: every key of the
// config schema (recursively) has a row, every flag a row names is one
// `bootherd serve` takes and every serve flag is in the table, and each
// row's flag and environment variable really set that row's key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { z } from 'zod';
import { configSchema, loadConfig, type Flags } from '../../src/config.js';
import { commands } from '../../src/cli/registry.js';
import { codeSpans, readme, section, tableRows } from './readme.js';

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType> };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Every key path of a schema: objects are walked (`a.b`), arrays of objects too (`a[].b`); anything else is a leaf. */
function keyPaths(s: z.ZodType, prefix = ''): string[] {
  const d = defOf(s);
  if (['optional', 'default', 'prefault', 'nullable'].includes(d.type)) return keyPaths(d.innerType!, prefix);
  if (d.type === 'pipe') return keyPaths(d.in!, prefix);
  if (d.type === 'array' && defOf(d.element!).type === 'object') return keyPaths(d.element!, `${prefix}[]`);
  if (d.type !== 'object' || !d.shape) return [prefix];
  return Object.entries(d.shape).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

const rows = () => tableRows(section(readme(), 'Configuration'), '| key (file) | flag |').map(([keys, flags, env]) => ({
  keys: codeSpans(keys ?? ''),
  flags: codeSpans(flags ?? '').filter((f) => f.startsWith('--')),
  env: codeSpans(env ?? '').filter((e) => e.startsWith('BOOTHERD_')).map((e) => e.split('=')[0]!),
}));

test('every key of the config schema has a row in the README table, and every row names real keys', () => {
  const keys = keyPaths(configSchema);
  assert.ok(keys.length > 50 && keys.includes('dhcp.proxy.pxePort') && keys.includes('webhooks[].secret'), keys.join(' '));
  const documented = rows().flatMap((r) => r.keys);
  assert.deepEqual(keys.filter((k) => !documented.includes(k)), [], 'schema keys missing from the table');
  assert.deepEqual(documented.filter((k) => !keys.includes(k)), [], 'table keys that are not in the schema');
});

test('the flags in the table are exactly the flags of bootherd serve', () => {
  const serve = commands.find((c) => c.name === 'serve')!;
  const serveFlags = Object.keys(serve.flags).map((f) => `--${f}`);
  const tableFlags = new Set(rows().flatMap((r) => r.flags.map((f) => f.split(' ')[0]!)));
  assert.deepEqual([...tableFlags].filter((f) => !serveFlags.includes(f)), [], 'table flags serve does not take');
  assert.deepEqual(serveFlags.filter((f) => f !== '--config' && !tableFlags.has(f)), [], 'serve flags missing from the table');
});

// A value for each kind of value a flag names, different from every default.
const samples: Record<string, string> = { DIR: '/srv/bootherd-sample', 'HOST:PORT': '127.0.0.9:1069', HOST: '10.9.9.9', TOKEN: 'sample-token-0123456789', CIDR: '10.9.0.0/16', LEVEL: 'debug', KIND: 'kernel', FILE: '/srv/sample.exports', IFACE: 'eth9', URL: 'postgres://bootherd@db.example/bootherd', NAME: 'sample-instance' };

function valueAt(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

test("each row's flag and environment variable set that row's key", () => {
  const base = loadConfig({}, {});
  let checked = 0;
  for (const row of rows()) {
    const value = row.flags[0]?.split(' ')[1] ?? (row.keys[0] === 'roots.provider' ? 'VALUE' : undefined);
    const sample = value ? (samples[value] ?? 'copy') : undefined;
    const changed = (c: ReturnType<typeof loadConfig>) => row.keys.some((k) => JSON.stringify(valueAt(c, k)) !== JSON.stringify(valueAt(base, k)));
    for (const flag of row.flags) {
      const [name, v] = flag.slice(2).split(' ') as [string, string | undefined];
      const flags: Flags = { [name]: v ? samples[v] : true };
      assert.ok(changed(loadConfig(flags, {})), `${flag} changes ${row.keys.join(', ')}`);
      checked++;
    }
    for (const env of row.env) {
      assert.ok(sample, `a sample value for ${env}`);
      assert.ok(changed(loadConfig({}, { [env]: sample })), `${env}=${sample} changes ${row.keys.join(', ')}`);
      checked++;
    }
  }
  assert.ok(checked > 30, `checked ${checked} flags and variables`);
});
