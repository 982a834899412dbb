// `bootherd completion bash|zsh`: a shell completion script from the command table.
import { defineCommand } from '../command.js';
import { bashCompletion, zshCompletion } from '../completion.js';

export default defineCommand({
  name: 'completion',
  summary: 'print a bash or zsh completion script',
  flags: {},
  positionals: [{ name: 'SHELL', help: 'the shell', choices: ['bash', 'zsh'] }],
  examples: ['source <(bootherd completion bash)', 'bootherd completion bash | sudo tee /etc/bash_completion.d/bootherd', 'source <(bootherd completion zsh)   # after compinit'],
  async run({ args, io }) {
    // Imported here: the registry imports this command, so a static import would be a cycle.
    const { commands } = await import('../registry.js');
    io.write(args.SHELL === 'zsh' ? zshCompletion(commands) : bashCompletion(commands));
  },
});
