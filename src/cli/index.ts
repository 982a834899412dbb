#!/usr/bin/env node
// The `bootherd` command: parses arguments, dispatches, and turns errors into
// a message and an exit code (0 ok, 1 error, 2 usage) in this one place.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config.js';
import { AppError, ConfigError } from '../errors.js';
import { version } from '../main.js';
import { ApiError } from './client.js';
import { runNodes, runRender } from './nodes.js';
import { renderDnsmasqConfig } from './dhcp-config.js';
import { advertiseHost } from '../main.js';
import { loadConfig } from '../config.js';
import { runServe } from './serve.js';
import { runMigrate } from './migrate.js';
import { runStoreCommand } from './store.js';
import { usage, UsageError } from './usage.js';

const options = {
  help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' }, json: { type: 'boolean' },
  config: { type: 'string' }, 'data-dir': { type: 'string' }, http: { type: 'string' }, tftp: { type: 'string', multiple: true },
  'no-tftp': { type: 'boolean' }, advertise: { type: 'string' }, 'admin-token': { type: 'string' }, 'firmware-dir': { type: 'string' },
  'assets-dir': { type: 'string' }, 'templates-dir': { type: 'string' }, 'ipxe-dir': { type: 'string' }, 'boot-network': { type: 'string', multiple: true },
  'log-level': { type: 'string' }, store: { type: 'string' }, instance: { type: 'string' }, url: { type: 'string' }, state: { type: 'string' }, label: { type: 'string' },
  arch: { type: 'string' }, dnsmasq: { type: 'boolean' }, proxy: { type: 'boolean' }, range: { type: 'string' }, interface: { type: 'string' }, out: { type: 'string' }, cache: { type: 'string' }, mirror: { type: 'string' }, suite: { type: 'string' },
} as const;

const out = (s: string) => void process.stdout.write(s.endsWith('\n') ? s : s + '\n');

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values: flags, positionals } = parsed;
  const [command, ...args] = positionals;
  if (flags.version) return (out(version()), 0);
  if (flags.help || !command) return (out(usage), command || flags.help ? 0 : 2);
  switch (command) {
    case 'serve':
      return runServe(flags, out);
    case 'migrate':
      return runMigrate(flags, out);
    case 'store':
      return runStoreCommand(flags, args, out);
    case 'nodes':
      return (out(await runNodes(loadClientConfig(flags), args, { json: flags.json === true, state: flags.state, label: flags.label })), 0);
    case 'render':
      process.stdout.write(await runRender(loadClientConfig(flags), args));
      return 0;
    case 'dhcp-config': {
      if (!flags.dnsmasq) throw new UsageError('dhcp-config: choose a format: --dnsmasq');
      if (!flags.range) throw new UsageError('dhcp-config: --range is required: the subnet (e.g. 10.0.0.0) with --proxy, else first,last[,lease]');
      const config = loadConfig(flags);
      out(renderDnsmasqConfig({ advertise: advertiseHost(config), httpPort: config.http.port, proxy: flags.proxy === true, range: flags.range, iface: flags.interface }));
      return 0;
    }
    case 'firmware': {
      if (args[0] !== 'import') throw new UsageError('firmware: usage: bootherd firmware import [--firmware-dir DIR] [--cache DIR] [--mirror URL] [--suite bookworm]');
      const config = loadConfig(flags);
      const { importFirmware } = await import('../image/firmware.js');
      const { createLogger } = await import('../log.js');
      await importFirmware({ firmwareDir: config.firmwareDir, cacheDir: path.resolve(flags.cache ?? path.join(config.dataDir, 'image-cache')), suite: flags.suite ?? 'bookworm', mirror: flags.mirror, logger: createLogger(config.logLevel), progress: out });
      return 0;
    }
    case 'image': {
      const { runImageCommand } = await import('../image/cli.js');
      const { createLogger } = await import('../log.js');
      const config = loadConfig(flags);
      return runImageCommand(argv.slice(argv.indexOf('image') + 1), { logger: createLogger(config.logLevel), stdout: out, dataDir: config.dataDir, assetsDir: config.assetsDir });
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function fail(err: unknown): number {
  if (err instanceof UsageError) return (process.stderr.write(`bootherd: ${err.message}\n\n${usage}`), 2);
  if (err instanceof ConfigError || err instanceof AppError) return (process.stderr.write(`bootherd: ${err.message}\n`), 1);
  if (err instanceof ApiError) {
    const issues = err.issues.map((i) => `\n  ${i.path}: ${i.message}`).join('');
    return (process.stderr.write(`bootherd: ${err.message}${issues}\n`), 1);
  }
  process.stderr.write(`bootherd: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}

run(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => (process.exitCode = fail(err)),
);
