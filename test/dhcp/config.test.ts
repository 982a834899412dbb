// The dhcp.proxy block: off by default, turned on by naming an interface on
// the command line or in the environment, refused when malformed.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { proxyAddress } from '../../src/dhcp/index.js';

it('is off by default; --proxy-dhcp IFACE and BOOTHERD_PROXY_DHCP turn it on', () => {
  const d = loadConfig({}, {}).dhcp.proxy;
  assert.equal(d.enabled, false);
  assert.deepEqual([d.port, d.pxePort, d.ipxeRoms], [67, 4011, 'chain']);
  assert.deepEqual([loadConfig({ 'proxy-dhcp': 'br0' }, {}).dhcp.proxy.enabled, loadConfig({ 'proxy-dhcp': 'br0' }, {}).dhcp.proxy.interface], [true, 'br0']);
  assert.equal(loadConfig({}, { BOOTHERD_PROXY_DHCP: 'eth1' }).dhcp.proxy.interface, 'eth1');
  assert.equal(loadConfig({ 'proxy-dhcp': 'eth2' }, { BOOTHERD_PROXY_DHCP: 'eth1' }).dhcp.proxy.interface, 'eth2', 'flags win over the environment');
});

it('refuses a malformed interface or address with the path named', () => {
  assert.throws(() => loadConfig({ 'proxy-dhcp': 'eth0; reboot' }, {}), (e: unknown) => e instanceof ConfigError && /dhcp\.proxy\.interface/.test(e.message));
});

it('binds the interface\'s first IPv4 address, and says what is wrong otherwise', () => {
  const ifaces = { br0: [{ address: 'fe80::1', family: 'IPv6' }, { address: '10.0.0.1', family: 'IPv4' }], wg0: [{ address: 'fd00::1', family: 'IPv6' }] } as never;
  assert.deepEqual(proxyAddress({ interface: 'br0' }, ifaces), { iface: 'br0', address: '10.0.0.1' });
  assert.throws(() => proxyAddress({ interface: 'eth9' }, ifaces), /no interface named eth9 \(have: br0, wg0\)/);
  assert.throws(() => proxyAddress({ interface: 'wg0' }, ifaces), /has no IPv4 address/);
  assert.throws(() => proxyAddress({}, ifaces), /needs an interface/);
});
