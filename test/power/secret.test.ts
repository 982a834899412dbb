// Secrets never show: not in JSON, util.inspect, a template string or a log
// line; the manual driver never claims it switched anything.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { createLogger } from '../../src/log.js';
import { createManualDriver, manualParams } from '../../src/power/drivers/manual.js';
import { ipmiParams } from '../../src/power/drivers/ipmi.js';
import { Secret, secretSchema } from '../../src/power/secret.js';

test('a Secret shows [redacted] in JSON, inspect, strings and log lines; reveal() gives the value', () => {
  const s = new Secret('hunter2-hunter2');
  const params = ipmiParams.parse({ host: '10.0.0.9', username: 'admin', password: 'hunter2-hunter2' });
  const lines: string[] = [];
  createLogger('debug', (l) => void lines.push(l)).warn('controller', { params, s });
  const shown = [JSON.stringify(params), inspect(params, { depth: 5 }), `${s}`, String(s), lines.join('\n'), inspect({ nested: [s] })];
  for (const text of shown) assert.ok(!text.includes('hunter2'), text);
  assert.match(JSON.stringify(params), /"password":"\[redacted\]"/);
  assert.equal(params.password.reveal(), 'hunter2-hunter2');
  assert.equal(secretSchema.safeParse('[redacted]').success, false, 'the redaction marker is not a secret');
});

test('manual: the request is recorded for an operator and never reported done', async () => {
  const warned: string[] = [];
  const logger = { ...createLogger('silent'), warn: (m: string, f?: Record<string, unknown>) => void warned.push(`${m} ${JSON.stringify(f)}`) };
  const d = createManualDriver(manualParams.parse({ instructions: 'pull the USB cable of port 3' }), { logger, sleep: async () => undefined, name: 'hub9' });
  const r = await d.cycle({ port: '3', node: { id: 'n1', hostname: 'pi3', mac: null } });
  assert.equal(r.done, false);
  assert.match(r.detail, /manual hub9: an operator must power-cycle port 3 \(node pi3\): pull the USB cable of port 3/);
  assert.equal((await d.status({ port: '3', node: { id: 'n1', hostname: null, mac: null } })).state, 'unknown');
  assert.equal(warned.length, 1);
});
