// The redfish driver against an endpoint serving DMTF's published mockup
// (public-rackmount1) that applies the Reset actions it receives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { createRedfishDriver, redfishParams } from '../../src/power/drivers/redfish.js';
import { startRedfish, type RedfishMock } from '../helpers/redfish.js';

let bmc: RedfishMock;
before(async () => (bmc = await startRedfish()));
after(async () => bmc?.stop());

const driver = (password = 'redfish-pass') => createRedfishDriver(redfishParams.parse({ url: bmc.url, username: 'admin', password, timeoutMs: 5000 }), { logger: silentLogger, sleep: async () => undefined, name: 'rf1' });
const t = (port = '437XR1138R2') => ({ port, node: { id: 'n1', hostname: null, mac: null } });

test('off, on and cycle send ForceOff, On and ForceRestart; status follows PowerState', async () => {
  const d = driver();
  assert.equal((await d.status(t())).state, 'on', 'the mockup starts On');
  await d.off(t());
  assert.equal(bmc.powerState(), 'Off');
  assert.equal((await d.status(t())).state, 'off');
  await d.on(t('default'));
  assert.equal(bmc.powerState(), 'On');
  await d.cycle(t());
  assert.deepEqual(bmc.resets, [{ ResetType: 'ForceOff' }, { ResetType: 'On' }, { ResetType: 'ForceRestart' }]);
  await d.off(t());
  await d.cycle(t());
  assert.deepEqual(bmc.resets.slice(3), [{ ResetType: 'ForceOff' }, { ResetType: 'On' }], 'a cycle of a system that is off switches it on');
  assert.equal((await d.status(t('default'))).state, 'on');
});

test('a 401 is an authentication error, a 500 carries the service\'s message; nothing is reset', async () => {
  const before = bmc.resets.length;
  await assert.rejects(driver('nope').cycle(t()), /redfish rf1 \(http:\/\/127\.0\.0\.1:\d+\): GET \/redfish\/v1\/Systems\/437XR1138R2: authentication refused \(HTTP 401\)/);
  bmc.failWith(500);
  try {
    await assert.rejects(driver().off(t()), /HTTP 500: the service failed/);
  } finally {
    bmc.failWith(null);
  }
  assert.equal(bmc.resets.length, before);
  await assert.rejects(driver().off(t('../../etc')), /not a ComputerSystem id/);
});
