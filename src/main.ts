// Composition root: config -> store -> services -> servers. The only place
// (besides test helpers) that wires the real object graph.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminTokenOf } from './admin-token.js';
import { advertiseWarning, resolveAdvertise } from './advertise.js';
import type { Config } from './config.js';
import { lockDataDir, type DataDirLock } from './data-lock.js';
import type { Logger } from './log.js';
import { createMetrics, zeroed } from './metrics.js';
import { builtinTemplatesDir, version } from './paths.js';
import { createAdmission } from './core/admission.js';
import { createAgentService } from './core/agent.js';
import { createBootFileResolver } from './core/boot-files.js';
import type { ProxyDhcpInfo } from './dhcp/index.js';
import { createBootTelemetry } from './core/boot-telemetry.js';
import { createDiscoveryService } from './core/discovery.js';
import { createImageService } from './core/images.js';
import { createEnrollGate } from './core/enroll-gate.js';
import { createNodeService } from './core/nodes.js';
import { createPacedPower } from './core/paced-power.js';
import { createPowerService } from './core/power.js';
import { createControllerRegistry } from './core/power-controllers.js';
import { createRootsCapability } from './core/roots-setup.js';
import { createRuleService } from './core/rules.js';
import { createPowerRoutes } from './http/power-routes.js';
import { createWatchdog } from './core/watchdog.js';
import { createEventNotifier } from './core/event-feed.js';
import { createEventRoutes } from './http/event-routes.js';
import { createDashboard } from './web/routes.js';
import { createWebhooks } from './webhooks/webhooks.js';
import { createAdminRoutes } from './http/admin-routes.js';
import { createBootRoutes } from './http/boot-routes.js';
import { createDiskRoute } from './http/disk-route.js';
import { createIpxeRoutes } from './http/ipxe-routes.js';
import { createIpxeService } from './core/ipxe.js';
import { createHttpApp } from './http/app.js';
import { requireBootNetwork } from './http/auth.js';
import { createNodeRoutes, reportKinds } from './http/node-routes.js';
import { createStore } from './store/index.js';
import { createTemplateRenderer } from './templates/renderer.js';
import { createFileCache } from './tftp/index.js';
import { createDhcpCapability } from './wiring/dhcp.js';
import { listenHttp } from './wiring/listen.js';
import { registerStoreMetrics } from './wiring/store-metrics.js';
import { createTftpCapability } from './wiring/tftp.js';

/** A running bootherd. */
export interface Running {
  http: { host: string; port: number };
  tftp: Array<{ address: string; port: number }>;
  /** The proxyDHCP, when enabled. */
  dhcp: ProxyDhcpInfo | null;
  advertise: string;
  /** A warning when the advertise address was guessed, naming the candidates; else null. */
  advertiseWarning: string | null;
  adminToken: string;
  adminTokenFile: string | null;
  /** Runs one watchdog sweep now (it also runs by itself every watchdog.sweepSeconds). */
  sweepWatchdog(): Promise<unknown>;
  stop(): Promise<void>;
}

export { version };

/** Starts bootherd from a loaded config; refuses a data dir another bootherd uses. */
export async function startBootherd(config: Config, logger: Logger, now: () => Date = () => new Date()): Promise<Running> {
  mkdirSync(config.dataDir, { recursive: true });
  const lock = lockDataDir(config.dataDir);
  try {
    return await startLocked(config, logger, now, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(config: Config, logger: Logger, now: () => Date, lock: DataDirLock): Promise<Running> {
  const admin = adminTokenOf(config);
  const templatesDirs = [config.templatesDir, builtinTemplatesDir].filter((d): d is string => Boolean(d));
  const renderer = createTemplateRenderer(templatesDirs);
  renderer.check();
  const settings = { agentPollSeconds: config.agentPollSeconds, installTimeoutSeconds: config.installTimeoutSeconds, watchdog: config.watchdog, rescueKeys: config.rescue.authorizedKeys, firmwareDir: config.firmwareDir, assetsDir: config.assetsDir };
  const serverUrl = { value: '' };
  const notifier = createEventNotifier();
  const roots = createRootsCapability({ store: await createStore(config, logger, { onEvents: notifier.notify }), logger, now, settings, config, templatesDirs, advertise: () => advertise, serverUrl: () => serverUrl.value });
  const store = roots.store;
  const metrics = createMetrics();
  registerStoreMetrics(metrics, store, config);
  const controllers = createControllerRegistry({ store, logger, now, configured: config.power.controllers });
  try {
    await controllers.load();
  } catch (err) {
    await store.close(); // a PostgreSQL pool left open would keep the process up
    throw err;
  }
  const power = createPowerService({ store, now, logger, settings, controllers });
  const enrollGate = createEnrollGate({ store, now, logger, settings: config.enroll, refused: metrics.counter('bootherd_enroll_refused_total', 'Enrollments by boot requests refused, by reason (rate, cap)'), expired: metrics.counter('bootherd_enroll_expired_total', 'Pending nodes deleted after enroll.pendingTtlHours') });
  const deps = { store, now, logger, settings, power, enrollGate, roots: roots.hooks };
  const watchdog = createWatchdog(deps);
  metrics.gauge('bootherd_nodes_health', 'Nodes by health, as of the last watchdog sweep', watchdog.healthCounts);
  const agent = createAgentService(deps);
  const discovery = createDiscoveryService({ ...deps, agent });
  const nodes = createNodeService({ ...deps, rootActions: roots.actions });
  const images = createImageService({ store, now });
  await images.seed(config.images).catch(async (err: unknown) => (await store.close(), Promise.reject(err)));
  const advertised = resolveAdvertise(config);
  const advertise = advertised.host;
  const cache = createFileCache({ maxBytes: config.tftp.cacheBytes, maxFileBytes: 64 * 1024 * 1024 });
  const httpServer = createServer();
  const resolverDeps = { ...deps, renderer, readFile: cache.file, firmwareDir: config.firmwareDir, assetsDir: config.assetsDir, ipxeDir: config.ipxeDir, serverUrl: '' };
  const resolver = createBootFileResolver(resolverDeps);
  const telemetry = createBootTelemetry(deps);
  const admission = createAdmission({ store, now, logger, metrics, settings: config.admission });
  const paced = createPacedPower({ nodes, power, logger, now, stagger: admission.stagger });
  const ipxe = createIpxeService({ ...deps, renderer, serverUrl: () => resolverDeps.serverUrl });
  const dashboard = config.dashboard.enabled ? createDashboard({ adminToken: admin.token, now, sessionHours: config.dashboard.sessionHours, logger }) : null;
  const webhooks = createWebhooks({ store, notifier, hooks: config.webhooks, logger, metrics, version: version() });
  const bootNetwork = requireBootNetwork({ cidrs: config.bootNetworks, trustLoopback: config.trustLoopback });
  const app = createHttpApp({
    adminToken: admin.token,
    logger,
    metrics,
    version: version(),
    nodeRoutes: createNodeRoutes({ discovery, agent, reports: zeroed(metrics.counter('bootherd_node_reports_total', 'Discovery and agent reports by kind'), 'kind', reportKinds), bootNetwork, onHeartbeat: telemetry.osUp, diskRoute: createDiskRoute({ agent, store, bootNetwork }) }),
    adminRoutes: [createAdminRoutes({ nodes, rules: createRuleService(deps), store, now, resolver, liveBoot: telemetry.current, advertise: () => advertise, images, admission: admission.view }), createEventRoutes({ store, notifier, nodes, metrics, logger, settings: config.events }), createPowerRoutes({ controllers, power, nodes, paced })],
    sessions: dashboard?.sessions,
    publicRoutes: dashboard ? [dashboard.routes] : [],
    bootRoutes: [createBootRoutes({ resolver, telemetry, bootNetwork }), createIpxeRoutes({ ipxe, bootNetwork })],
  });
  httpServer.on('request', app);
  const tftp = createTftpCapability({ config, resolver, telemetry, cache, metrics, logger, admission });
  const proxy = createDhcpCapability({ config, core: deps, metrics, chainUrl: () => `${resolverDeps.serverUrl}/boot.ipxe`, admission });
  let dhcp: ProxyDhcpInfo | null = null;
  let addr: AddressInfo;
  let tftpAddrs: Array<{ address: string; port: number }> = [];
  try {
    addr = await listenHttp(httpServer, config.http.host, config.http.port, 'http', '--http');
    resolverDeps.serverUrl = serverUrl.value = `http://${advertise}:${addr.port}`;
    tftpAddrs = await tftp.start();
    dhcp = await proxy.start();
  } catch (err) {
    await tftp.stop();
    httpServer.close();
    await store.close();
    throw err;
  }
  const flushTimer = setInterval(() => void telemetry.flush(), 10_000);
  flushTimer.unref();
  const stopWatchdog = watchdog.start();
  roots.start();
  const stopAdmission = admission.start();
  await webhooks.start();
  const stopGate = enrollGate.start();
  return {
    http: { host: addr.address, port: addr.port },
    tftp: tftpAddrs,
    dhcp,
    advertise,
    advertiseWarning: advertiseWarning(advertised),
    adminToken: admin.token,
    adminTokenFile: admin.file,
    sweepWatchdog: () => watchdog.sweep(),
    async stop() {
      stopWatchdog();
      roots.stop();
      stopAdmission();
      paced.stop();
      stopGate();
      await webhooks.stop();
      clearInterval(flushTimer);
      await proxy.stop();
      await tftp.stop();
      await telemetry.flush();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await store.close();
      lock.release();
    },
  };
}
