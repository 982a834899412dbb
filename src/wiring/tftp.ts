// The TFTP server wired to core's boot-file route: held to bootNetworks,
// counted in /metrics, and a bind error that says what to do.
import type { Config } from '../config.js';
import { createTftpRoute } from '../core/boot-route.js';
import type { BootFileResolver } from '../core/boot-files.js';
import type { Admission } from '../core/admission.js';
import type { BootTelemetry } from '../core/boot-telemetry.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { bootNetworkFilter } from '../net/cidr.js';
import { createTftpServer, tftpMetrics, type FileCache, type TftpServer } from '../tftp/index.js';
import { bindTftp } from './listen.js';

/** What the TFTP capability needs. */
export interface TftpCapabilityDeps {
  config: Pick<Config, 'tftp' | 'bootNetworks' | 'trustLoopback'>;
  resolver: BootFileResolver;
  telemetry: BootTelemetry;
  cache: FileCache;
  metrics: Metrics;
  logger: Logger;
  /** Boot admission: asked before a board's first firmware file, fed every transfer. */
  admission?: Admission;
}

/** Creates the TFTP capability; `start` binds its listen addresses (none when tftp.enabled is false). */
export function createTftpCapability(deps: TftpCapabilityDeps) {
  const { config, logger } = deps;
  let server: TftpServer | null = null;
  return {
    async start(): Promise<Array<{ address: string; port: number }>> {
      if (!config.tftp.enabled) return [];
      const route = createTftpRoute({ resolver: deps.resolver, telemetry: deps.telemetry, logger, admission: deps.admission });
      const { enabled: _, cacheBytes: __, ...serverOptions } = config.tftp;
      const tftp = createTftpServer({ ...route, ...serverOptions, allowClient: bootNetworkFilter(config.bootNetworks, config.trustLoopback), logger });
      const addrs = await bindTftp(() => tftp.start(), config.tftp.listen.map((l) => `${l.host}:${l.port}`).join(', '));
      server = tftp;
      for (const m of tftpMetrics(tftp, deps.cache)) (m.kind === 'counter' ? deps.metrics.counterFrom : deps.metrics.gauge).call(deps.metrics, m.name, m.help, m.read);
      return addrs;
    },
    async stop(): Promise<void> {
      await server?.stop();
    },
  };
}
