// Locations inside the installed package (compiled code lives in dist/src/).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root: where boot-templates/ and discovery-image/ are. */
export const packageRoot = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Built-in templates shipped with bootherd. */
export const builtinTemplatesDir = path.join(packageRoot, 'boot-templates');

/** The compiled `bootherd` command. */
export const cliPath = path.join(packageRoot, 'dist', 'src', 'cli', 'index.js');

/** The installed bootherd version. */
export function version(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
