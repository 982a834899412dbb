// Shared by the QEMU tests: the discovery image built into a stable cache so
// repeated runs reuse the Debian downloads.
import { access, constants, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildDiscoveryImage, type BuildResult } from '../../src/image/build.js';
import { silentLogger } from '../../src/log.js';
import type { GuestArch } from '../helpers/qemu.js';

/** The shared Debian download cache for tests (warm on the lab machines), or a temp dir when it is not writable. */
export async function testCacheDir(): Promise<string> {
  const preferred = '/var/cache/bootherd-test-image';
  try {
    await mkdir(preferred, { recursive: true });
    await access(preferred, constants.W_OK);
    return preferred;
  } catch {
    return path.join(os.tmpdir(), 'bootherd-test-image');
  }
}

/** Builds (or reuses) the discovery image for `arch` under the test cache. */
export async function buildTestImage(arch: GuestArch, progress: (line: string) => void): Promise<BuildResult> {
  const cache = await testCacheDir();
  return buildDiscoveryImage({ arch, suite: 'bookworm', cacheDir: cache, outDir: path.join(cache, 'assets', arch), logger: silentLogger, progress });
}
