// Wires per-node roots from configuration: the provider (auto: btrfs when
// roots.dir is on btrfs), the exports writer, the exports synchroniser over
// an observed store, the roots service and its actions.
import { mkdir } from 'node:fs/promises';
import type { Logger } from '../log.js';
import { chooseRootProvider, exportsWriters, type RootProvider } from '../roots/index.js';
import type { Store } from '../store/store.js';
import { createRootfsTemplates } from '../templates/rootfs.js';
import type { CoreSettings } from './deps.js';
import { createExportsSync } from './exports-sync.js';
import { createRootActions } from './root-actions.js';
import { createRootsService } from './roots.js';

/** Configuration of roots and exports (the config file's `roots` and `exports` blocks). */
export interface RootsConfig {
  roots: { dir: string; provider: 'auto' | 'btrfs' | 'copy' };
  exports: { kind: 'kernel' | 'ganesha' | 'none'; file?: string; reloadCommand?: string[]; nfsVersions?: Array<3 | 4> };
}

/** Creates the roots capability over `store`; use the returned `store` everywhere so address changes reach the exports. */
export function createRootsCapability(deps: { store: Store; logger: Logger; now: () => Date; settings: CoreSettings; config: RootsConfig; templatesDirs: string[]; advertise: () => string; serverUrl: () => string }) {
  const { config, logger } = deps;
  const e = config.exports;
  const ganesha = e.kind === 'ganesha' ? { ...(e.reloadCommand ? { reloadCommand: e.reloadCommand } : {}), ...(e.nfsVersions ? { nfsVersions: e.nfsVersions } : {}) } : {};
  const writer = exportsWriters[e.kind]({ ...(e.file ? { file: e.file } : {}), ...ganesha }, { logger });
  const exportsBase = { store: deps.store, logger, now: deps.now, settings: deps.settings, writer };
  const exportsSync = createExportsSync(exportsBase);
  const store = exportsSync.observe(deps.store);
  exportsBase.store = store;
  let provider: Promise<RootProvider> | null = null;
  const rootfs = createRootfsTemplates(deps.templatesDirs);
  const rootsDeps = {
    store, logger, now: deps.now, settings: deps.settings, dir: config.roots.dir, advertise: deps.advertise, serverUrl: deps.serverUrl,
    renderFiles: rootfs.render,
    provider: () => (provider ??= mkdir(config.roots.dir, { recursive: true }).then(() => chooseRootProvider(config.roots.provider, config.roots.dir, { logger }))),
  };
  const roots = createRootsService(rootsDeps);
  const actions = createRootActions({ ...rootsDeps, roots, exports: exportsSync });
  return {
    store,
    hooks: actions.hooks,
    actions,
    /** Writes the exports once at start (they may have changed while bootherd was down). */
    start: () => void exportsSync.sync().catch((err: unknown) => logger.warn('exports not written at start', { err })),
    stop: () => exportsSync.stop(),
  };
}
