// Core deps for tests that drive use cases directly: a store, an injected
// clock, a silent logger, default settings, and the power service over the
// given controllers (none by default).
import { watchdogSettingsSchema, type WatchdogSettings } from '../../src/domain/wedge.js';
import { createControllerRegistry } from '../../src/core/power-controllers.js';
import { createPowerService } from '../../src/core/power.js';
import type { CoreSettings } from '../../src/core/deps.js';
import type { LifecycleDeps } from '../../src/core/lifecycle-ops.js';
import { silentLogger } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';

/** Settings with every default, `over` applied (its `watchdog` merged into the defaults). */
export function testSettings(over: Partial<Omit<CoreSettings, 'watchdog'>> & { watchdog?: Partial<WatchdogSettings> } = {}): CoreSettings {
  const { watchdog, ...rest } = over;
  return { agentPollSeconds: 10, installTimeoutSeconds: 3600, rescueKeys: [], ...rest, watchdog: { ...watchdogSettingsSchema.parse({}), ...watchdog } };
}

/** Lifecycle deps over `store` with clock `now`; controllers from `configured` (config-file form), loaded. */
export async function testLifecycleDeps(store: Store, now: () => Date, opts: { settings?: CoreSettings; configured?: Array<Record<string, unknown>>; sleep?: (ms: number) => Promise<void> } = {}): Promise<LifecycleDeps & { controllers: ReturnType<typeof createControllerRegistry> }> {
  const settings = opts.settings ?? testSettings();
  const controllers = createControllerRegistry({ store, logger: silentLogger, now, configured: opts.configured ?? [], sleep: opts.sleep ?? (async () => undefined) });
  await controllers.load();
  const power = createPowerService({ store, now, logger: silentLogger, settings, controllers });
  return { store, now, logger: silentLogger, settings, power, controllers };
}
