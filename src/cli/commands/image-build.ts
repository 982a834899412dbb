// `bootherd image build --arch arm64|amd64`: build the discovery image.
import { loadConfig } from '../../config.js';
import { defineCommand } from '../command.js';
import { configFlags } from '../flags.js';
import { mirrorSchema, suiteSchema } from '../../image/cli.js';
import { UsageError } from '../usage.js';

export default defineCommand({
  name: 'image build',
  summary: 'build the discovery/installer/rescue image from Debian packages',
  flags: {
    arch: { type: 'string', value: 'ARCH', help: 'arm64 (Raspberry Pi) or amd64 (PCs)', choices: ['arm64', 'amd64'] },
    out: { type: 'string', value: 'DIR', help: 'asset dir (default <assets-dir>/discovery/<arch>)', complete: 'dir' },
    cache: { type: 'string', value: 'DIR', help: 'download cache (default <data-dir>/image-cache)', complete: 'dir' },
    mirror: { type: 'string', value: 'URL', help: "Debian mirror (default: the host's apt sources)", schema: mirrorSchema },
    suite: { type: 'string', value: 'SUITE', help: 'Debian suite (default bookworm)', schema: suiteSchema },
    ...configFlags,
  },
  examples: ['bootherd image build --arch arm64', 'bootherd image build --arch amd64 --out /srv/bootherd/assets/discovery/amd64'],
  async run({ flags, raw, io }) {
    const { runImageBuild } = await import('../../image/cli.js');
    const { createLogger } = await import('../../log.js');
    const config = loadConfig(raw);
    if (!flags.arch) throw new UsageError('image build: --arch is required: arm64 or amd64');
    const build = { arch: flags.arch as 'arm64' | 'amd64', suite: flags.suite ?? 'bookworm', out: flags.out, cache: flags.cache, mirror: flags.mirror };
    return runImageBuild(build, { logger: createLogger(config.logLevel), stdout: io.out, dataDir: config.dataDir, assetsDir: config.assetsDir });
  },
});
