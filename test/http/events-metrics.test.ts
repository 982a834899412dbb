// The event log's order and kind filter, and /metrics as Prometheus expects it:
// totals typed as counters, every lifecycle state present even at 0.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';
import { tftpGet } from '../helpers/tftp-client.js';

let s: TestServer;
before(async () => (s = await startTestServer({ 'no-tftp': false, tftp: '127.0.0.1:0' })));
after(async () => s.stop());

type Ev = { id: number; kind: string };

test('events: oldest first by default; order=desc gives the newest N; kind filters; before/after page', async () => {
  const d = (await s.api('POST', '/api/v1/discovery', piInventory('0000ea01', 'dc:a6:32:00:ea:01'), { auth: null })).body;
  for (let i = 0; i < 5; i++) await s.api('PATCH', `/api/v1/nodes/${d.nodeId}`, { labels: { n: String(i) } });
  const all = (await s.api('GET', `/api/v1/nodes/${d.nodeId}/events`)).body.events as Ev[];
  assert.deepEqual(all.map((e) => e.kind), ['seen', 'transition', 'inventory', 'updated', 'updated', 'updated', 'updated', 'updated']);
  const ids = all.map((e) => e.id);
  const get = async (q: string) => ((await s.api('GET', `/api/v1/nodes/${d.nodeId}/events?${q}`)).body.events as Ev[]).map((e) => e.id);
  assert.deepEqual(await get('limit=2'), ids.slice(0, 2), 'limit alone: the oldest N (documented)');
  assert.deepEqual(await get('limit=2&order=desc'), [ids[7], ids[6]], 'the newest N, newest first');
  assert.deepEqual(await get('order=desc&limit=2&before=' + ids[6]), [ids[5], ids[4]], 'the page before');
  assert.deepEqual(await get('kind=updated&limit=2&order=desc'), [ids[7], ids[6]]);
  assert.deepEqual(await get('kind=seen,inventory'), [ids[0], ids[2]]);
  assert.deepEqual(await get('kind=power'), []);
  for (const bad of ['kind=Bad%20Kind', 'order=newest', 'kind=', 'before=0']) assert.equal((await s.api('GET', `/api/v1/nodes/${d.nodeId}/events?${bad}`)).status, 400, bad);
});

test('/metrics: totals are counters, every state and outcome is present, at 0 too', async () => {
  const port = s.running.tftp[0]!.port;
  const miss = await tftpGet({ host: '127.0.0.1', port, path: 'no-such-file.bin', options: { tsize: '0' } });
  assert.equal(miss.error?.code, 1);
  const text = (await s.api('GET', '/metrics', undefined, { auth: null })).body as string;
  const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  for (const [name, type] of Object.entries(types)) {
    assert.equal(type, name.endsWith('_total') ? 'counter' : 'gauge', `${name} is a ${type}`);
  }
  assert.equal(types.bootherd_tftp_transfers_total, 'counter');
  for (const state of ['new', 'ready', 'installing', 'deployed', 'rescue', 'failed', 'retired']) assert.match(text, new RegExp(`^bootherd_nodes\\{state="${state}"\\} \\d+$`, 'm'), state);
  assert.match(text, /^bootherd_nodes\{state="retired"\} 0$/m);
  assert.match(text, /^bootherd_tftp_transfers_total\{outcome="notFound"\} 1$/m);
  assert.match(text, /^bootherd_tftp_transfers_total\{outcome="busy"\} 0$/m);
  assert.match(text, /^bootherd_tftp_transfers_active 0$/m);
  assert.match(text, /^bootherd_node_reports_total\{kind="install-failed"\} 0$/m);
  assert.match(text, /^bootherd_enroll_refused_total\{reason="cap"\} 0$/m);
});
