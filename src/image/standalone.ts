// Entry point for `image ...` without the bootherd CLI:
// `node dist/src/image/standalone.js build --arch arm64 [--out DIR] [--cache DIR]`.
import { createLogger } from '../log.js';
import { runImageCommand } from './cli.js';

process.exitCode = await runImageCommand(process.argv.slice(2), { logger: createLogger('info'), stdout: (s) => process.stdout.write(s) });
