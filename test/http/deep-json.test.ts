// Deeply nested JSON: refused with 400 on every route before anything walks it,
// and a discovery report whose unknown fields are too deep or too large is
// refused whole: no node is left behind.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { piInventory, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let nodeId: string;
before(async () => {
  s = await startTestServer();
  nodeId = (await s.api('POST', '/api/v1/discovery', piInventory('0000dd00', 'dc:a6:32:00:dd:00'), { auth: null })).body.nodeId;
});
after(async () => s.stop());

const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const nodesWithSerial = async (serial: string) => (await s.api('GET', `/api/v1/nodes?serial=${serial}`)).body.nodes.length;
/** An inventory as JSON text with `raw` (JSON text) as the value of an unknown field. */
const withRaw = (serial: string, mac: string, field: string, raw: string) => JSON.stringify(piInventory(serial, mac, { [field]: '@RAW@' })).replace('"@RAW@"', raw);

test('a discovery report whose unknown field nests 10,000 deep is 400 and leaves no node', async () => {
  for (const [i, raw] of [nestedArrays(10_000), nestedObjects(10_000)].entries()) {
    const serial = `0000dd1${i}`;
    const r = await s.api('POST', '/api/v1/discovery', withRaw(serial, `dc:a6:32:00:dd:1${i}`, 'extra', raw), { auth: null });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid');
    assert.equal(await nodesWithSerial(serial), 0, 'no node for the refused report');
  }
});

test('unknown inventory fields are kept up to depth 8 and 16 KiB; beyond, 400 naming the field and no node', async () => {
  const ok = await s.api('POST', '/api/v1/discovery', withRaw('0000dd20', 'dc:a6:32:00:dd:20', 'vendor', nestedArrays(8)), { auth: null });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual((await s.api('GET', `/api/v1/nodes/${ok.body.nodeId}`)).body.hardware.extra, { vendor: JSON.parse(nestedArrays(8)) });

  const deep = await s.api('POST', '/api/v1/discovery', withRaw('0000dd21', 'dc:a6:32:00:dd:21', 'vendor', nestedArrays(9)), { auth: null });
  assert.equal(deep.status, 400);
  assert.deepEqual(deep.body.issues, [{ path: 'vendor', message: 'unknown field nested deeper than 8 levels' }]);

  const inv = piInventory('0000dd22', 'dc:a6:32:00:dd:22') as { disks: Array<Record<string, unknown>> };
  inv.disks[0]!.smart = JSON.parse(nestedObjects(12));
  const inDisk = await s.api('POST', '/api/v1/discovery', inv, { auth: null });
  assert.equal(inDisk.status, 400);
  assert.equal(inDisk.body.issues[0].path, 'disks.0.smart');

  const large = await s.api('POST', '/api/v1/discovery', piInventory('0000dd23', 'dc:a6:32:00:dd:23', { notes: 'n'.repeat(10_000), more: 'm'.repeat(7_000) }), { auth: null });
  assert.equal(large.status, 400);
  assert.match(large.body.message, /notes: unknown fields take \d+ bytes serialized; at most 16384 are kept/);
  for (const serial of ['0000dd21', '0000dd22', '0000dd23']) assert.equal(await nodesWithSerial(serial), 0, serial);
});

/** Any method with a JSON body (fetch refuses a body on GET). */
function raw(method: string, p: string, body: string, token: string | null): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(s.url + p, { method, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a deep body is 400 on every route, with or without a token, never 500', async () => {
  const routes: Array<[string, string]> = [
    ['POST', '/api/v1/discovery'], ['POST', '/api/v1/agent/report'], ['PATCH', `/api/v1/nodes/${nodeId}`],
    ['PUT', `/api/v1/nodes/${nodeId}/target`], ['POST', `/api/v1/nodes/${nodeId}/actions/reset`], ['POST', '/api/v1/rules'],
    ['PUT', '/api/v1/rules/nope'], ['PUT', '/api/v1/images/img'], ['GET', '/api/v1/nodes'], ['DELETE', `/api/v1/nodes/${nodeId}`],
    ['POST', '/api/v1/nope'], ['PUT', '/boot.ipxe'], ['POST', '/healthz'],
  ];
  const before = (await s.api('GET', `/api/v1/nodes/${nodeId}`)).body;
  for (const [method, p] of routes) {
    for (const body of [nestedArrays(100_000), nestedObjects(100_000), `{"labels":${nestedObjects(65)}}`]) {
      for (const token of [s.token, null]) {
        const r = await raw(method, p, body, token);
        assert.equal(r.status, 400, `${method} ${p}: ${JSON.stringify(r.body)}`);
        assert.match(r.body.message, /nested deeper than 64 levels/);
      }
    }
  }
  assert.deepEqual((await s.api('GET', `/api/v1/nodes/${nodeId}`)).body, before, 'nothing changed');
  assert.equal((await s.api('GET', '/healthz', undefined, { auth: null })).status, 200, 'still serving');
});
