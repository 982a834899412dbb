// `bootherd nodes watch`: a live table of the rack (or one event a line) from the event stream.
import { loadClientConfig } from '../../config.js';
import { states } from '../../domain/node.js';
import { defineCommand } from '../command.js';
import { clientFlags, outputFlag } from '../flags.js';
import { runWatch } from '../watch.js';

export default defineCommand({
  name: 'nodes watch',
  summary: 'follow the rack live: state, health, boot stage, next boot and last event per node',
  flags: {
    state: { type: 'string', value: 'STATE', help: 'only nodes in this state', choices: states },
    label: { type: 'string', short: 'l', value: 'KEY=VALUE', help: 'only nodes with this label' },
    kind: { type: 'string', value: 'KIND,...', help: 'only these event kinds (e.g. transition,power)' },
    ...outputFlag(['table', 'json']),
    json: { type: 'boolean', help: 'one event a line as JSON (the same as -o json)' },
    ...clientFlags,
  },
  positionals: [],
  examples: ['bootherd nodes watch', 'bootherd nodes watch -l rack=r1', 'bootherd nodes watch --json --kind transition,wedged'],
  async run({ flags, raw, io }) {
    const code = await runWatch(loadClientConfig(raw), { json: flags.output === 'json' || flags.json, state: flags.state, label: flags.label, kind: flags.kind }, (s) => io.out(s));
    if (code !== 0) process.exitCode = code;
  },
});
