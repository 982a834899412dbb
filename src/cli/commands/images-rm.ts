// `bootherd images rm NAME`: delete an image no node uses.
import { loadClientConfig } from '../../config.js';
import { imageNameSchema } from '../../domain/images.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags } from '../flags.js';
import { parseValue } from '../values.js';

export default defineCommand({
  name: 'images rm',
  summary: 'delete an image (refused while a node uses it)',
  flags: { ...clientFlags },
  positionals: [{ name: 'NAME', help: 'image name' }],
  examples: ['bootherd images rm raspios-old'],
  async run({ args, raw, io }) {
    const name = parseValue(imageNameSchema, args.NAME, 'NAME');
    await callApi(loadClientConfig(raw), 'DELETE', `/api/v1/images/${encodeURIComponent(name)}`);
    io.out(`image ${name} deleted`);
  },
});
