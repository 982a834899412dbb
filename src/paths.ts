// Locations inside the installed package (compiled code lives in dist/src/).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root: where boot-templates/ and discovery-image/ are. */
export const packageRoot = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Built-in templates shipped with bootherd. */
export const builtinTemplatesDir = path.join(packageRoot, 'boot-templates');

/** The compiled `bootherd` command. */
export const cliPath = path.join(packageRoot, 'dist', 'src', 'cli', 'index.js');
