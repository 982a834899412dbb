// `bootherd images add NAME KEY=VALUE...`: store an image (boot files, golden root, install disk).
import { loadClientConfig } from '../../config.js';
import { imageNameSchema } from '../../domain/images.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { emit } from '../format.js';
import { parseImageArgs } from '../images.js';
import { parseValue } from '../values.js';

export default defineCommand({
  name: 'images add',
  summary: 'create or replace an image',
  description: 'Fields as KEY=VALUE (dots nest: disk.sha256=...) or one JSON object, checked by PUT /api/v1/images/:name: bootDir, rootDir and disk.path must exist.',
  flags: { ...outputFlag(['table', 'json', 'yaml']), ...clientFlags },
  positionals: [{ name: 'NAME', help: 'image name' }, { name: 'FIELDS', help: 'KEY=VALUE... or a JSON object', variadic: true }],
  examples: ['bootherd images add golden rootDir=/srv/golden bootDir=/srv/golden-boot kernel=kernel8.img', 'bootherd images add raspios disk.url=http://10.0.0.1/raspios.img.xz disk.sha256=... disk.sizeBytes=2894069760 disk.compression=xz'],
  async run({ flags, args, rest, raw, io }) {
    const name = parseValue(imageNameSchema, args.NAME, 'NAME');
    const image = await callApi(loadClientConfig(raw), 'PUT', `/api/v1/images/${encodeURIComponent(name)}`, parseImageArgs(rest));
    emit(io, flags.output ?? 'table', image, () => `image ${name} stored`);
  },
});
