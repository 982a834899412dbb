// `bootherd render NODE FILE`: the exact bytes a node is served for FILE.
import { loadClientConfig } from '../../config.js';
import { callApi } from '../client.js';
import { defineCommand } from '../command.js';
import { clientFlags } from '../flags.js';

export default defineCommand({
  name: 'render',
  summary: 'print the exact bytes a node is served for a boot file',
  flags: { ...clientFlags },
  positionals: [{ name: 'NODE', help: 'a node: id, serial, MAC or hostname' }, { name: 'FILE', help: 'a boot file path, as the node asks for it' }],
  examples: ['bootherd render rack1-pi07 cmdline.txt', 'bootherd render 0000ab01 config.txt'],
  async run({ args, raw, io }) {
    const file = args.FILE!.split('/').map(encodeURIComponent).join('/');
    io.write((await callApi(loadClientConfig(raw), 'GET', `/api/v1/nodes/${encodeURIComponent(args.NODE!)}/boot-files/${file}`, undefined, true)) as Buffer);
  },
});
