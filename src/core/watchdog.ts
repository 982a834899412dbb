// The install watchdog: a node that stays `installing` without a word from its
// installer for longer than the timeout is failed, with the reason on record.
import { applyLifecycle, type LifecycleDeps } from './lifecycle-ops.js';

/** Creates the watchdog; `sweep()` checks once, `start()` checks periodically. */
export function createWatchdog(deps: LifecycleDeps) {
  async function sweep(): Promise<number> {
    const limit = deps.now().getTime() - deps.settings.installTimeoutSeconds * 1000;
    let failed = 0;
    for (const node of await deps.store.listNodes({ state: 'installing' })) {
      const last = Math.max(Date.parse(node.updatedAt), node.install ? Date.parse(node.install.updatedAt) : 0, node.lastSeenAt ? Date.parse(node.lastSeenAt) : 0);
      if (last > limit) continue;
      try {
        await applyLifecycle(deps, node.id, { type: 'install-timeout' });
        failed++;
      } catch (err) {
        deps.logger.warn('watchdog could not fail a stuck install', { node: node.id, err });
      }
    }
    return failed;
  }
  function start(everyMs = 30_000): () => void {
    const timer = setInterval(() => void sweep().catch((err: unknown) => deps.logger.error('watchdog sweep failed', { err })), everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
  return { sweep, start };
}
