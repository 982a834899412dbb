// `bootherd install-service`: write the systemd unit, create the bootherd user, say how to start it.
import { writeFileSync } from 'node:fs';
import { defineCommand } from '../command.js';
import { dryRunFlag } from '../flags.js';
import { localUserExists, planService } from '../install-service.js';
import { cliPath } from '../../paths.js';
import { UsageError } from '../usage.js';

export default defineCommand({
  name: 'install-service',
  summary: 'install bootherd as a systemd service under its own user',
  description: 'Writes bootherd.service (ExecStart = this node and this bootherd; hardened, with only CAP_NET_BIND_SERVICE and CAP_NET_RAW) and creates a system user; then prints the two commands that start it. Needs root, except with --dry-run.',
  flags: {
    ...dryRunFlag,
    user: { type: 'string', value: 'NAME', help: 'the user bootherd runs as (default bootherd; created if missing)' },
    'unit-dir': { type: 'string', value: 'DIR', help: 'where the unit goes (default /etc/systemd/system)', complete: 'dir' },
  },
  examples: ['sudo bootherd install-service', 'bootherd install-service --dry-run'],
  async run({ flags, io }) {
    const user = flags.user ?? 'bootherd';
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new UsageError(`--user: ${JSON.stringify(user)} is not a system user name (lowercase letters, digits, _ -)`);
    const plan = planService({ unitDir: flags['unit-dir'] ?? '/etc/systemd/system', user, node: process.execPath, cli: cliPath, userExists: localUserExists(user) });
    if (flags['dry-run']) {
      io.out(`would write ${plan.unitFile}:\n${plan.unit}`);
      io.out(plan.useradd ? `would run: ${plan.useradd.join(' ')}` : `user ${user} exists`);
      return void io.out(`then run:\n  ${plan.enable.join('\n  ')}`);
    }
    if (process.getuid?.() !== 0 && flags['unit-dir'] === undefined) throw new UsageError('install-service: needs root (sudo bootherd install-service); --dry-run shows what it would do');
    writeFileSync(plan.unitFile, plan.unit, { mode: 0o644 });
    io.out(`wrote ${plan.unitFile}`);
    if (plan.useradd) {
      const { run } = await import('../../image/exec.js');
      await run(plan.useradd[0]!, plan.useradd.slice(1));
      io.out(`created system user ${user}`);
    } else io.out(`user ${user} exists`);
    io.out(`now run:\n  ${plan.enable.join('\n  ')}`);
  },
});
