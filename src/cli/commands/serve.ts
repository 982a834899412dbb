// `bootherd serve`: run bootherd (HTTP API + TFTP) until SIGINT/SIGTERM.
import { defineCommand } from '../command.js';
import { serverFlags } from '../flags.js';

export default defineCommand({
  name: 'serve',
  summary: 'run bootherd: HTTP API, iPXE and boot files, TFTP',
  description: 'Each flag overrides the config file and BOOTHERD_* environment; a bad value stops bootherd at start with every problem listed.',
  flags: serverFlags,
  examples: ['bootherd serve', 'bootherd serve --config /etc/bootherd/bootherd.yaml', 'bootherd serve --http 10.0.0.1:8080 --tftp 10.0.0.1:69 --advertise 10.0.0.1'],
  async run({ raw, io }) {
    const { runServe } = await import('../serve.js');
    return runServe(raw, io.out);
  },
});
