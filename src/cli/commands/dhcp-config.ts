// `bootherd dhcp-config --dnsmasq`: a dnsmasq configuration pointing Pis, PXE ROMs and iPXE at bootherd.
import { advertiseWarning, resolveAdvertise } from '../../advertise.js';
import { loadConfig } from '../../config.js';
import { defineCommand } from '../command.js';
import { interfaceSchema, renderDnsmasqConfig } from '../dhcp-config.js';
import { addressFlags, configFlags } from '../flags.js';
import { UsageError } from '../usage.js';

export default defineCommand({
  name: 'dhcp-config',
  summary: 'print a dnsmasq configuration that sends Pis, PXE ROMs and iPXE to this bootherd',
  description: 'With --proxy, dnsmasq answers beside the site\'s DHCP server and hands out no leases (--range is the subnet); without it dnsmasq is the DHCP server (--range FIRST,LAST[,NETMASK][,LEASE]).',
  flags: {
    dnsmasq: { type: 'boolean', help: 'dnsmasq format (the only one so far)' },
    proxy: { type: 'boolean', help: 'proxy mode: next to an existing DHCP server' },
    range: { type: 'string', value: 'RANGE', help: 'proxy: the subnet (10.0.0.0); full: FIRST,LAST[,NETMASK][,LEASE]' },
    interface: { type: 'string', value: 'IFACE', help: 'only answer on this interface (e.g. br0)', schema: interfaceSchema },
    ...configFlags,
    ...addressFlags,
  },
  examples: ['bootherd dhcp-config --dnsmasq --proxy --range 10.0.0.0 > /etc/dnsmasq.d/bootherd.conf', 'bootherd dhcp-config --dnsmasq --range 10.0.0.100,10.0.0.200,12h --interface br0'],
  async run({ flags, raw, io }) {
    if (!flags.dnsmasq) throw new UsageError('dhcp-config: choose a format: --dnsmasq');
    if (!flags.range) throw new UsageError('dhcp-config: --range is required: the subnet (e.g. 10.0.0.0) with --proxy, else FIRST,LAST[,NETMASK][,LEASE]');
    const config = loadConfig(raw);
    const advertise = resolveAdvertise(config);
    const text = renderDnsmasqConfig({ advertise: advertise.host, httpPort: config.http.port, proxy: flags.proxy, range: flags.range, iface: flags.interface });
    const warning = advertiseWarning(advertise);
    if (warning) io.err(warning);
    io.out(text);
  },
});
