// `bootherd firmware import`: fill the firmware dir from Debian's raspi-firmware and arm64 kernel.
import path from 'node:path';
import { loadConfig } from '../../config.js';
import { defineCommand } from '../command.js';
import { configFlags, serverFlags } from '../flags.js';
import { mirrorSchema, suiteSchema } from '../../image/cli.js';

export default defineCommand({
  name: 'firmware import',
  summary: "fill the firmware dir from Debian's raspi-firmware and arm64 kernel packages",
  flags: {
    ...configFlags,
    'firmware-dir': { type: 'string', value: 'DIR', help: 'where to write (default <data-dir>/firmware)', complete: 'dir' },
    cache: { type: 'string', value: 'DIR', help: 'download cache (default <data-dir>/image-cache)', complete: 'dir' },
    mirror: { type: 'string', value: 'URL', help: "Debian mirror (default: the host's apt sources)", schema: mirrorSchema },
    suite: { type: 'string', value: 'SUITE', help: 'Debian suite (default bookworm)', schema: suiteSchema },
    'log-level': serverFlags['log-level'],
  },
  examples: ['bootherd firmware import', 'bootherd firmware import --firmware-dir /srv/tftp/firmware --mirror http://deb.debian.org/debian'],
  async run({ flags, raw, io }) {
    const config = loadConfig(raw);
    const { importFirmware } = await import('../../image/firmware.js');
    const { createLogger } = await import('../../log.js');
    const cacheDir = path.resolve(flags.cache ?? path.join(config.dataDir, 'image-cache'));
    await importFirmware({ firmwareDir: config.firmwareDir, cacheDir, suite: flags.suite ?? 'bookworm', mirror: flags.mirror, logger: createLogger(config.logLevel), progress: io.out });
  },
});
