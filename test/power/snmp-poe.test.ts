// The snmp-poe driver against a real snmpd (Debian's) standing in for a PoE
// switch: the switch's own record shows what was SET, in which order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { createSnmpPoeDriver, snmpPoeParams } from '../../src/power/drivers/snmp-poe.js';
import { communities, startSnmpd, snmpV3, type Snmpd } from '../helpers/snmpd.js';

let snmpd: Snmpd;
before(async () => {
  snmpd = await startSnmpd({ ports: 8, fdb: { 'dc:a6:32:00:00:05': 5, 'dc:a6:32:00:00:06': 6 }, qfdb: { 'dc:a6:32:00:00:07': 7 } });
});
after(async () => snmpd?.stop());

const target = (port: string) => ({ port, node: { id: 'n1', hostname: 'pi1', mac: null } });
const driver = (params: Record<string, unknown>, sleep = async (_ms: number) => undefined) =>
  createSnmpPoeDriver(snmpPoeParams.parse({ host: '127.0.0.1', port: snmpd.port, timeoutMs: 1000, retries: 0, ...params }), { logger: silentLogger, sleep, name: 'sw1' });

test('a cycle is SET off, a wait of offSeconds with the port off, then SET on, as the switch records it', async () => {
  const seen: Array<{ ms: number; state: number | null; sets: string[] }> = [];
  const d = driver({ community: communities.rw, offSeconds: 3 }, async (ms) => void seen.push({ ms, state: await snmpd.portState(3), sets: await snmpd.sets() }));
  const before = await snmpd.sets();
  const r = await d.cycle(target('3'));
  assert.equal(r.done, true);
  assert.deepEqual(seen, [{ ms: 3000, state: 2, sets: [...before, '3=2'] }], 'during the wait the port is off and only the off SET was sent');
  assert.deepEqual((await snmpd.sets()).slice(before.length), ['3=2', '3=1']);
  assert.equal(await snmpd.portState(3), 1);
  assert.equal(await snmpd.portState(2), 1, 'no other port was touched');
});

test('status reads pethPsePortAdminEnable: off after off, on after on', async () => {
  const d = driver({ community: communities.rw });
  await d.off(target('4'));
  assert.equal((await d.status(target('4'))).state, 'off');
  assert.equal(await snmpd.portState(4), 2);
  await d.on(target('4'));
  assert.equal((await d.status(target('4'))).state, 'on');
  assert.equal((await driver({ community: communities.ro }).status(target('4'))).state, 'on', 'a read-only community can read');
});

test('a read-only community is refused with what the switch said, and the port stays as it was', async () => {
  const before = await snmpd.sets();
  await assert.rejects(driver({ community: communities.ro }).off(target('2')), (err: Error) => {
    assert.equal(err.name, 'PowerDeviceError');
    assert.match(err.message, /snmp-poe sw1 \(127\.0\.0\.1:\d+\): SET 1\.3\.6\.1\.2\.1\.105\.1\.1\.1\.3\.1\.2 = 2: refused: (NoAccess|NotWritable|ReadOnly|NoSuchName|AuthorizationError)/);
    assert.ok(!err.message.includes(communities.ro), 'the community is not in the message');
    return true;
  });
  assert.deepEqual(await snmpd.sets(), before);
  assert.equal(await snmpd.portState(2), 1);
});

test('SNMP v3 authPriv (SHA/AES) switches a port; a wrong privacy key does not', async () => {
  const v3 = { version: '3', user: snmpV3.user, level: 'authPriv', authProtocol: 'sha', authKey: snmpV3.authKey, privProtocol: 'aes', privKey: snmpV3.privKey };
  await driver(v3).off(target('6'));
  assert.equal(await snmpd.portState(6), 2);
  assert.equal((await driver(v3).status(target('6'))).state, 'off');
  await driver(v3).on(target('6'));
  assert.equal(await snmpd.portState(6), 1);
  await assert.rejects(driver({ ...v3, privKey: 'not-the-key-0000', timeoutMs: 500 }).off(target('6')), /snmp-poe sw1/);
  assert.equal(await snmpd.portState(6), 1);
});

test('port auto: the MAC is found in BRIDGE-MIB dot1dTpFdbPort, then in Q-BRIDGE-MIB dot1qTpFdbPort', async () => {
  const d = driver({ community: communities.ro });
  assert.equal(await d.findPort!(['dc:a6:32:00:00:05']), '5');
  assert.equal(await d.findPort!(['aa:bb:cc:00:00:01', 'dc:a6:32:00:00:06']), '6');
  assert.equal(await d.findPort!(['dc:a6:32:00:00:07']), '7', 'only in the Q-BRIDGE table');
  assert.equal(await d.findPort!(['dc:a6:32:00:00:99']), null);
});

test('params: v2c needs a community, v3 authPriv needs both keys; secrets never show', () => {
  const issues = (p: unknown) => { const r = snmpPoeParams.safeParse(p); return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`); };
  assert.deepEqual(issues({ host: '10.0.0.2' }), ['community: required for SNMP v2c']);
  assert.deepEqual(issues({ host: '10.0.0.2', version: '3', user: 'u', authKey: 'a-long-key' }), ['privKey: required for authPriv']);
  const parsed = snmpPoeParams.parse({ host: '10.0.0.2', community: 'sekrit-community' });
  assert.doesNotMatch(JSON.stringify(parsed), /sekrit/);
  assert.equal(parsed.port, 161);
  assert.equal(parsed.offSeconds, 5);
});
