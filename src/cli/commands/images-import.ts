// `bootherd images import NAME FILE.img[.xz|.gz]`: an OS image file becomes an
// image (boot files, golden root, install disk), unpacked without a loop mount.
import { loadClientConfig, loadConfig } from '../../config.js';
import { imageNameSchema } from '../../domain/images.js';
import { createLogger } from '../../log.js';
import { defineCommand } from '../command.js';
import { clientFlags, configFlags, outputFlag } from '../flags.js';
import { emit } from '../format.js';
import { importAndStore } from '../images.js';
import { parseValue } from '../values.js';

export default defineCommand({
  name: 'images import',
  summary: 'unpack an OS image file (FAT boot + ext4 root) into <images-dir>/NAME and store it',
  description: 'The boot partition\'s files become bootDir (mtools), the root partition becomes rootDir (debugfs rdump; a btrfs subvolume when the images dir is on btrfs), the file with its sha256 becomes disk. Progress goes to stderr.',
  flags: { ...configFlags, ...clientFlags, 'images-dir': { type: 'string', value: 'DIR', help: 'where imported images go (default <data-dir>/images)', complete: 'dir' }, ...outputFlag(['table', 'json', 'yaml']) },
  positionals: [{ name: 'NAME', help: 'image name' }, { name: 'FILE', help: 'the image file (.img, .img.xz, .img.gz)', complete: 'file' }],
  examples: ['bootherd images import raspios-lite 2024-11-19-raspios-bookworm-arm64-lite.img.xz'],
  async run({ flags, args, raw, io }) {
    const name = parseValue(imageNameSchema, args.NAME, 'NAME');
    const config = loadConfig(raw);
    const image = await importAndStore(loadClientConfig(raw), name, args.FILE!, { imagesDir: config.imagesDir, logger: createLogger(config.logLevel), progress: (line) => io.err(line) });
    emit(io, flags.output ?? 'table', image, () => `image ${name} imported into ${config.imagesDir}/${name} and stored`);
  },
});
