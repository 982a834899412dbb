// The copy root provider: `cp -a --reflink=auto` of the golden root into a
// temp dir beside the destination, renamed into place when complete, so a
// failed copy leaves no half root. Progress is polled from `du` of the copy.
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { run, runOk } from './run.js';
import type { DriverDeps, RootProvider } from './types.js';

/** Parameters of the copy provider. */
export const copyParams = z.strictObject({ progressEveryMs: z.number().int().min(100).default(5000) });

async function bytesUsed(dir: string, deps: DriverDeps): Promise<number> {
  const r = await run(['du', '-sb', '--apparent-size', dir], { timeoutMs: 120_000, logger: deps.logger }).catch(() => null);
  return r?.code === 0 ? Number(r.stdout.split(/\s/)[0]) || 0 : 0;
}

/** Creates the copy provider. */
export function createCopyProvider(params: z.input<typeof copyParams>, deps: DriverDeps): RootProvider {
  const p = copyParams.parse(params);
  return {
    kind: 'copy',
    async create(golden, dest, onProgress) {
      const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.partial`);
      await rm(tmp, { recursive: true, force: true });
      const total = onProgress ? await bytesUsed(golden, deps) : 0;
      let timer: NodeJS.Timeout | undefined;
      if (onProgress) timer = setInterval(() => void bytesUsed(tmp, deps).then((done) => onProgress(Math.min(done, total), total)), p.progressEveryMs);
      try {
        await runOk(['cp', '-a', '--reflink=auto', '--no-target-directory', golden, tmp], { timeoutMs: deps.timeoutMs ?? 3_600_000, logger: deps.logger });
        await rename(tmp, dest);
        onProgress?.(total, total);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      } finally {
        clearInterval(timer);
      }
    },
    async remove(dest) {
      await runOk(['rm', '-rf', '--one-file-system', dest], { timeoutMs: deps.timeoutMs ?? 3_600_000, logger: deps.logger });
    },
  };
}
