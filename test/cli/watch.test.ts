// `bootherd nodes watch`: the real command against a real `bootherd serve`
// with TFTP on 127.0.0.1:0, following a scripted enrollment; and the rack table.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { renderRackTable, type RackEvent } from '../../src/cli/rack-table.js';
import { cliPath, startServe, type ServeProcess } from '../helpers/process.js';
import { piInventory } from '../helpers/server.js';
import { tftpGet } from '../helpers/tftp-client.js';
import { until } from '../helpers/until.js';

let dir: string;
let srv: ServeProcess;
let token: string;
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-watch-'));
  const fw = path.join(dir, 'firmware');
  mkdirSync(fw);
  writeFileSync(path.join(fw, 'start4.elf'), Buffer.alloc(40_000, 7));
  srv = await startServe(['--data-dir', path.join(dir, 'data'), '--http', '127.0.0.1:0', '--tftp', '127.0.0.1:0', '--firmware-dir', fw, '--log-level', 'warn']);
  token = readFileSync(path.join(dir, 'data/admin-token'), 'utf8').trim();
});
after(async () => {
  srv.proc.kill('SIGTERM');
  await srv.exited;
  rmSync(dir, { recursive: true, force: true });
});

const api = async (method: string, p: string, body?: unknown, auth = true) => {
  const res = await fetch(srv.url + p, { method, headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, body: (text.startsWith('{') ? JSON.parse(text) : null) as any };
};

test('nodes watch --json prints the events of an enrollment over TFTP, discovery and a target, one JSON object a line', async () => {
  const watch = spawn(process.execPath, [cliPath, 'nodes', 'watch', '--json', '--url', srv.url], { env: { PATH: process.env.PATH ?? '', BOOTHERD_ADMIN_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  watch.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  watch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => watch.on('close', () => r()));
  try {
    await until('watch to connect', async () => /^bootherd_event_stream_clients 1$/m.test((await api('GET', '/metrics', undefined, false)).text));
    const r = await tftpGet({ host: '127.0.0.1', port: srv.tftpPorts[0]!, path: 'c0ffee01/start4.elf', options: { tsize: '0', blksize: '1024' } });
    assert.equal(r.error, null);
    assert.equal(r.bytes, 40_000);
    const d = await api('POST', '/api/v1/discovery', piInventory('c0ffee01', 'dc:a6:32:c0:ff:01'), false);
    assert.equal(d.status, 200, d.text);
    assert.equal((await api('PUT', `/api/v1/nodes/${d.body.nodeId}/target`, { kind: 'local' })).status, 200);
    const lines = () => stdout.split('\n').filter(Boolean);
    await until('the transition to deployed on stdout', () => lines().some((l) => /"to":"deployed"/.test(l)));
    const events = lines().map((l) => JSON.parse(l) as RackEvent);
    assert.ok(events.every((e) => e.nodeId === d.body.nodeId), 'every event is the new node\'s');
    const ids = events.map((e) => e.id);
    assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => a - b), 'ids increase, none repeated');
    const summary = events.map((e) => (e.kind === 'transition' ? `transition ${String(e.data.from)}->${String(e.data.to)}` : e.kind === 'boot-stage' ? `boot-stage ${String(e.data.stage)}` : e.kind));
    assert.deepEqual(summary, ['seen', 'boot-stage firmware', 'transition new->ready', 'inventory', 'transition ready->deployed']);
    assert.equal(events[0]!.data.serial, 'c0ffee01');
    assert.equal(events[0]!.data.via, 'tftp');
  } finally {
    watch.kill('SIGTERM');
    await exited;
  }
  assert.equal(stderr, '');
});

test('nodes watch names a wrong token and stops (exit 1)', async () => {
  const watch = spawn(process.execPath, [cliPath, 'nodes', 'watch', '--json', '--url', srv.url, '--admin-token', 'not-the-admin-token'], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  watch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => watch.on('close', (c) => r(c)));
  assert.equal(code, 1);
  assert.match(stderr, /unauthorized: wrong admin token/);
});

test('the rack table: counts per state, sorted rows, next boot, last event, control characters shown as ?', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  const nodes = [
    { id: 'bbbbbbbb-1', hostname: 'rack1-pi02', state: 'deployed', health: 'wedged', healthReason: 'stalled-at-kernel', target: { kind: 'nfs-root' }, nextBoot: 'nfs-root raspios -> 10.0.0.1:/srv/roots/rack1-pi02', lastBoot: { stage: 'kernel' } },
    { id: 'aaaaaaaa-1', hostname: 'rack1-pi01', state: 'deployed', health: 'ok', target: { kind: 'local' }, lastBoot: null },
    { id: 'cccccccc-1', hostname: null, state: 'new', health: 'ok', target: null, lastBoot: { stage: 'firmware' } },
    { id: 'dddddddd-1', hostname: 'evil\x1b[2Jhost', state: 'ready', health: 'ok', target: null },
  ];
  const events = new Map<string, RackEvent>([['bbbbbbbb-1', { id: 9, nodeId: 'bbbbbbbb-1', at: '2026-01-01T00:00:30Z', kind: 'transition', data: { from: 'ready', to: 'deployed' } }]]);
  const text = renderRackTable(nodes, events, { now });
  const lines = text.split('\n');
  assert.equal(lines[0], '4 nodes: 2 deployed, 1 new, 1 ready');
  assert.match(lines[1]!, /^HOSTNAME\s+STATE\s+HEALTH\s+STAGE\s+NEXT BOOT\s+LAST EVENT$/);
  assert.deepEqual(lines.slice(2).map((l) => l.split(/\s{2,}/)), [
    ['cccccccc', 'new', 'ok', 'firmware', '-', '-'],
    ['evil?[2Jhost', 'ready', 'ok', '-', '-', '-'],
    ['rack1-pi01', 'deployed', 'ok', '-', 'local', '-'],
    ['rack1-pi02', 'deployed', 'wedged (stalled-at-kernel)', 'kernel', 'nfs-root raspios -> 10.0.0.1:/srv/roots/rack1-pi02', 'ready->deployed 30s ago'],
  ]);
  const cut = renderRackTable(nodes, events, { now, maxRows: 3 }).split('\n');
  assert.equal(cut.length, 2 + 2 + 1);
  assert.equal(cut[cut.length - 1], '... 2 more');
});
