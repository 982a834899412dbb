// The roots registry: provider kind -> factory, exports kind -> factory, and
// the choice `auto` makes (btrfs when the roots dir is on btrfs, else copy).
import { createBtrfsProvider, isOnBtrfs } from './btrfs.js';
import { createCopyProvider } from './copy.js';
import { createGaneshaExportsWriter } from './exports-ganesha.js';
import { createKernelExportsWriter } from './exports-kernel.js';
import type { DriverDeps, ExportsWriter, RootProvider, RootProviderKind } from './types.js';

export type { ExportsWriter, RootProvider, RootProviderKind, ProgressFn, ExportsResult } from './types.js';
export { resolveInRoot, writeFileAtomic } from './fs-util.js';

/** Provider factories by kind. */
export const rootProviders: Record<RootProviderKind, (params: Record<string, unknown>, deps: DriverDeps) => RootProvider> = {
  btrfs: createBtrfsProvider,
  copy: createCopyProvider,
};

/** Picks the provider for `dir`: the configured kind, or with `auto` btrfs when `dir` is on btrfs, else copy. */
export async function chooseRootProvider(kind: 'auto' | RootProviderKind, dir: string, deps: DriverDeps): Promise<RootProvider> {
  const k: RootProviderKind = kind === 'auto' ? ((await isOnBtrfs(dir, deps)) ? 'btrfs' : 'copy') : kind;
  return rootProviders[k]({}, deps);
}

/** Exports writer factories by kind; `none` writes nothing and says so. */
export const exportsWriters: Record<'kernel' | 'ganesha' | 'none', (params: Record<string, unknown>, deps: DriverDeps) => ExportsWriter> = {
  kernel: createKernelExportsWriter,
  ganesha: createGaneshaExportsWriter,
  none: () => ({ kind: 'none', write: async () => ({ ok: false, detail: 'exports.kind is none: bootherd exports nothing; set exports.kind to kernel or ganesha' }) }),
};
