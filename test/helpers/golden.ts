// Golden files: compare output with a reviewed copy under test/golden/; run
// with UPDATE_GOLDEN=1 (or BOOTHERD_UPDATE_GOLDEN=1) to write them anew.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';

const updating = () => process.env.UPDATE_GOLDEN === '1' || process.env.BOOTHERD_UPDATE_GOLDEN === '1';

/** Asserts `actual` equals test/golden/<dir>/<name>; writes it instead when updating (or, outside CI, when missing). */
export function assertGolden(dir: string, name: string, actual: string): void {
  const file = path.join(packageRoot, 'test', 'golden', dir, name);
  if (updating() || !existsSync(file)) {
    if (!updating() && process.env.CI) assert.fail(`golden file ${file} is missing; run UPDATE_GOLDEN=1 npm test and review it`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${dir}/${name} differs from its golden file (UPDATE_GOLDEN=1 rewrites it after an intended change)`);
}
