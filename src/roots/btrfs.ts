// The btrfs root provider: each node's root is a writable snapshot of the
// golden root subvolume (`btrfs subvolume snapshot`, milliseconds, shared blocks).
import { z } from 'zod';
import { AppError } from '../errors.js';
import { run, runOk } from './run.js';
import type { DriverDeps, RootProvider } from './types.js';

/** Parameters of the btrfs provider. */
export const btrfsParams = z.strictObject({ btrfs: z.string().default('btrfs') });

/** Creates the btrfs provider. */
export function createBtrfsProvider(params: z.input<typeof btrfsParams>, deps: DriverDeps): RootProvider {
  const p = btrfsParams.parse(params);
  const opts = { timeoutMs: 60_000, logger: deps.logger };
  const btrfs = (args: string[]) => [p.btrfs, ...args];
  return {
    kind: 'btrfs',
    async create(golden, dest, onProgress) {
      const show = await run(btrfs(['subvolume', 'show', golden]), opts);
      if (show.code !== 0) throw new AppError('not-a-subvolume', `btrfs: ${golden} is not a btrfs subvolume: make the image's rootDir a subvolume (bootherd images import does) or set roots.provider: copy`);
      await runOk(btrfs(['subvolume', 'snapshot', golden, dest]), opts);
      onProgress?.(1, 1);
    },
    async remove(dest) {
      const show = await run(btrfs(['subvolume', 'show', dest]), opts);
      if (show.code !== 0) return;
      await runOk(btrfs(['subvolume', 'delete', dest]), opts);
    },
  };
}

/** True if `dir` is on a btrfs filesystem. */
export async function isOnBtrfs(dir: string, deps: DriverDeps): Promise<boolean> {
  const r = await run(['stat', '-f', '-c', '%T', dir], { timeoutMs: 10_000, logger: deps.logger }).catch(() => null);
  return r?.code === 0 && r.stdout.trim() === 'btrfs';
}
