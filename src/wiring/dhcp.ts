// The proxyDHCP wired to core's DHCP route, held to bootNetworks where a
// sender has an address, counted in /metrics.
import type { Config } from '../config.js';
import type { Admission } from '../core/admission.js';
import type { CoreDeps } from '../core/deps.js';
import { createDhcpRoute } from '../core/dhcp-route.js';
import { createProxyDhcp, type ProxyDhcp, type ProxyDhcpInfo } from '../dhcp/index.js';
import type { Metrics } from '../metrics.js';
import { bootNetworkFilter } from '../net/cidr.js';

/** Creates the proxyDHCP capability; `start` binds it when dhcp.proxy.enabled (else answers null). */
export function createDhcpCapability(deps: { config: Pick<Config, 'dhcp' | 'bootNetworks' | 'trustLoopback'>; core: CoreDeps; metrics: Metrics; chainUrl: () => string; admission?: Admission }) {
  const { config, metrics } = deps;
  let proxy: ProxyDhcp | null = null;
  return {
    async start(): Promise<ProxyDhcpInfo | null> {
      if (!config.dhcp.proxy.enabled) return null;
      const counter = metrics.counter('bootherd_dhcp_requests_total', 'proxyDHCP requests by client kind and outcome');
      const route = createDhcpRoute({ ...deps.core, serverAddress: () => p.address, chainUrl: deps.chainUrl, ipxeRoms: config.dhcp.proxy.ipxeRoms, admission: deps.admission });
      const p: ProxyDhcp = createProxyDhcp({ settings: config.dhcp.proxy, logger: deps.core.logger, handler: route.handler, onOutcome: (o) => counter.inc({ kind: o.kind, outcome: o.outcome }), allowClient: bootNetworkFilter(config.bootNetworks, config.trustLoopback) });
      metrics.gauge('bootherd_dhcp_state', 'proxyDHCP state sizes: client MACs tracked for rate limits, requests in flight', () => [{ labels: { what: 'clients' }, value: p.stats().trackedClients }, { labels: { what: 'in-flight' }, value: p.stats().inFlight }]);
      const info = await p.start();
      proxy = p;
      return info;
    },
    async stop(): Promise<void> {
      await proxy?.stop();
    },
  };
}
