// The btrfs root provider: each node's root is a writable snapshot of the
// golden root subvolume (`btrfs subvolume snapshot`, milliseconds, shared blocks).
import { z } from 'zod';
import { runTool, runToolOk } from '../exec.js';
import { ToolError } from '../errors.js';
import type { DriverDeps, RootProvider } from './types.js';

/** Parameters of the btrfs provider. */
export const btrfsParams = z.strictObject({ btrfs: z.string().default('btrfs') });

/** Creates the btrfs provider. */
export function createBtrfsProvider(params: z.input<typeof btrfsParams>, deps: DriverDeps): RootProvider {
  const p = btrfsParams.parse(params);
  const tool = (args: string[]) => ({ argv: [p.btrfs, ...args], timeoutMs: 60_000, logger: deps.logger });
  return {
    kind: 'btrfs',
    async create(golden, dest, onProgress) {
      const show = await runTool(tool(['subvolume', 'show', golden]));
      if (show.code !== 0) throw new ToolError('btrfs', `${golden} is not a btrfs subvolume: make the image's rootDir a subvolume (bootherd images import does) or set roots.provider: copy`);
      await runToolOk(tool(['subvolume', 'snapshot', golden, dest]));
      onProgress?.(1, 1);
    },
    async remove(dest) {
      const show = await runTool(tool(['subvolume', 'show', dest]));
      if (show.code !== 0) return;
      await runToolOk(tool(['subvolume', 'delete', dest]));
    },
  };
}

/** True if `dir` is on a btrfs filesystem. */
export async function isOnBtrfs(dir: string, deps: DriverDeps): Promise<boolean> {
  const r = await runTool({ argv: ['stat', '-f', '-c', '%T', dir], timeoutMs: 10_000, logger: deps.logger }).catch(() => null);
  return r?.code === 0 && r.stdout.trim() === 'btrfs';
}
