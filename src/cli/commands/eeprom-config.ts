// `bootherd eeprom-config`: a Pi 4/5 bootconf.txt that network-boots from this bootherd.
import { z } from 'zod';
import { resolveAdvertise } from '../../advertise.js';
import { loadConfig } from '../../config.js';
import { defineCommand } from '../command.js';
import { renderBootconf } from '../eeprom-config.js';
import { addressFlags, configFlags } from '../flags.js';
import { UsageError } from '../usage.js';

export default defineCommand({
  name: 'eeprom-config',
  summary: 'print a Pi 4/5 bootloader configuration (bootconf.txt) for this bootherd',
  description: 'TFTP_IP is the advertise address (--advertise, else the HTTP host, else the first non-loopback IPv4). Everything but the settings is a comment line, so the output can be saved as bootconf.txt as it is.',
  flags: {
    pi: { type: 'string', value: 'MODEL', help: 'board: 4 (also 400, CM4) or 5 (also 500, CM5); default 4', choices: ['4', '5'] },
    prefix: { type: 'string', value: 'KIND', help: 'TFTP directory per board: serial (default) or mac', choices: ['serial', 'mac'] },
    ...configFlags,
    ...addressFlags,
  },
  examples: ['bootherd eeprom-config --advertise 10.0.0.1 > bootconf.txt', 'bootherd eeprom-config --pi 5 --prefix mac --advertise 10.0.0.1'],
  async run({ flags, raw, io }) {
    const config = loadConfig(raw);
    const tftpIp = resolveAdvertise(config).host;
    if (!z.ipv4().safeParse(tftpIp).success) throw new UsageError(`eeprom-config: TFTP_IP must be an IPv4 address and the advertise address is ${JSON.stringify(tftpIp)}; give --advertise with bootherd's IPv4 address`);
    io.write(renderBootconf({ pi: (flags.pi ?? '4') as '4' | '5', prefix: (flags.prefix ?? 'serial') as 'serial' | 'mac', tftpIp }));
  },
});
