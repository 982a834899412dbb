// Gauges read from the store on scrape: this instance, nodes by state, pending nodes.
import type { Config } from '../config.js';
import { states } from '../domain/node.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';

/** Registers the store's gauges on `metrics`. */
export function registerStoreMetrics(metrics: Metrics, store: Store, config: Pick<Config, 'instance' | 'store'>): void {
  metrics.gauge('bootherd_instance_info', 'This bootherd instance (instance.name) and its store', () => [{ labels: { name: config.instance.name, store: config.store.url ? 'postgresql' : 'sqlite' }, value: 1 }]);
  metrics.gauge('bootherd_nodes', 'Nodes by lifecycle state', async () => {
    const counts = await store.countNodesByState();
    return states.map((state) => ({ labels: { state }, value: counts[state] ?? 0 }));
  });
  metrics.gauge('bootherd_pending_nodes', 'Nodes enrolled by boot requests that have never reported', async () => [{ labels: {}, value: await store.countNodes({ state: 'new', pending: true }) }]);
}
