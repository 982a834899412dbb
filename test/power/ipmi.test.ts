// The ipmi driver: the real ipmitool (lanplus) against a real RMCP+ BMC
// (Debian's python3-pyghmi), which records every chassis control it carried out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { createIpmiDriver, ipmiParams } from '../../src/power/drivers/ipmi.js';
import { startBmc, type TestBmc } from '../helpers/bmc.js';

let bmc: TestBmc;
before(async () => (bmc = await startBmc()));
after(async () => bmc?.stop());

const lines: string[] = [];
const logger = { ...silentLogger, debug: (m: string, f?: Record<string, unknown>) => void lines.push(`${m} ${JSON.stringify(f)}`) };
const driver = (password = 'password') => createIpmiDriver(ipmiParams.parse({ host: '127.0.0.1', port: bmc.port, username: 'admin', password, timeoutMs: 8000 }), { logger, sleep: async () => undefined, name: 'bmc1' });
const t = { port: '1', node: { id: 'n1', hostname: null, mac: null } };

test('ipmitool lanplus: off, status, on, status, cycle, as the BMC records them', async () => {
  const d = driver();
  assert.match((await d.off(t)).detail, /Chassis Power Control: Down\/Off/);
  assert.equal((await d.status(t)).state, 'off');
  await d.on(t);
  assert.equal((await d.status(t)).state, 'on');
  assert.match((await d.cycle(t)).detail, /Chassis Power Control: Cycle/);
  assert.deepEqual(await bmc.controls(), ['off', 'on', 'cycle']);
});

test('a wrong password is refused by the BMC: an error saying so, nothing switched, the password nowhere', async () => {
  const before = await bmc.controls();
  await assert.rejects(driver('wrong-password').cycle(t), (err: Error) => {
    assert.equal(err.name, 'PowerDeviceError');
    assert.match(err.message, /ipmi bmc1 \(127\.0\.0\.1:\d+\): power cycle: ipmitool exit 1: .*(RAKP|session|password|Unable)/i);
    assert.doesNotMatch(err.message, /wrong-password/);
    return true;
  });
  assert.deepEqual(await bmc.controls(), before);
  assert.ok(lines.length > 0 && lines.every((l) => !l.includes('password"') && !l.includes('wrong-password')), 'the password is in no log line');
});
