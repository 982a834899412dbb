// Composition root: config -> store -> services -> servers. The only place
// (besides test helpers) that wires the real object graph.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { adminTokenOf } from './admin-token.js';
import { advertiseWarning, resolveAdvertise } from './advertise.js';
import type { Config } from './config.js';
import { lockDataDir, type DataDirLock } from './data-lock.js';
import { AppError } from './errors.js';
import type { Logger } from './log.js';
import { createMetrics, zeroed, type Metrics } from './metrics.js';
import { states } from './domain/node.js';
import { builtinTemplatesDir, version } from './paths.js';
import { createAdmission, type Admission } from './core/admission.js';
import { createAgentService } from './core/agent.js';
import { createBootFileResolver } from './core/boot-files.js';
import { createTftpRoute } from './core/boot-route.js';
import { createDhcpRoute } from './core/dhcp-route.js';
import { createProxyDhcp, type ProxyDhcp, type ProxyDhcpInfo } from './dhcp/index.js';
import { createBootTelemetry } from './core/boot-telemetry.js';
import type { CoreDeps } from './core/deps.js';
import { createDiscoveryService } from './core/discovery.js';
import { createEnrollGate } from './core/enroll-gate.js';
import { createNodeService } from './core/nodes.js';
import { createRuleService } from './core/rules.js';
import { createWatchdog } from './core/watchdog.js';
import { createEventNotifier } from './core/event-feed.js';
import { createEventRoutes } from './http/event-routes.js';
import { createDashboard } from './web/routes.js';
import { createWebhooks } from './webhooks/webhooks.js';
import { createAdminRoutes } from './http/admin-routes.js';
import { createBootRoutes } from './http/boot-routes.js';
import { createIpxeRoutes } from './http/ipxe-routes.js';
import { createIpxeService } from './core/ipxe.js';
import { createHttpApp } from './http/app.js';
import { requireBootNetwork } from './http/auth.js';
import { createNodeRoutes, reportKinds } from './http/node-routes.js';
import { createPowerService } from './power/power.js';
import { createSqliteStore } from './store/sqlite.js';
import { createTemplateRenderer } from './templates/renderer.js';
import { createFileCache, createTftpServer, type TftpServer } from './tftp/index.js';

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
  stop(): Promise<void>;
}

export { version };

function listen(server: Server, host: string, port: number, what: string, flag: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const fix =
        err.code === 'EADDRINUSE' ? `another process holds the port; stop it or choose another with ${flag} HOST:PORT`
        : err.code === 'EACCES' ? `ports below 1024 need root or CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=+ep "$(command -v node)"), or choose another with ${flag} HOST:PORT`
        : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine; fix ${flag}`
        : err.message;
      reject(new AppError('bind', `${what}: cannot listen on ${host}:${port}: ${err.code ?? err.message}: ${fix}`));
    });
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

async function startTftp(tftp: TftpServer, config: Config): Promise<Array<{ address: string; port: number }>> {
  try {
    return await tftp.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const where = config.tftp.listen.map((l) => `${l.host}:${l.port}`).join(', ');
    const fix =
      e.code === 'EACCES' ? 'port 69 needs root or CAP_NET_BIND_SERVICE (setcap cap_net_bind_service=+ep "$(command -v node)"), or choose another with --tftp HOST:PORT'
      : e.code === 'EADDRINUSE' ? 'another TFTP server (dnsmasq, tftpd-hpa?) holds the port; stop it, or choose another with --tftp HOST:PORT, or --no-tftp'
      : e.message;
    throw new AppError('bind', `tftp: cannot listen on ${where}: ${e.code ?? e.message}: ${fix}`);
  }
}

/** The proxyDHCP answering through core's route, counted in /metrics. */
function createProxyDhcpFor(config: Config, deps: CoreDeps, metrics: Metrics, chainUrl: () => string, admission: Admission): ProxyDhcp {
  const counter = metrics.counter('bootherd_dhcp_requests_total', 'proxyDHCP requests by client kind and outcome');
  const route = createDhcpRoute({ ...deps, serverAddress: () => proxy.address, chainUrl, ipxeRoms: config.dhcp.proxy.ipxeRoms, admission });
  const proxy: ProxyDhcp = createProxyDhcp({ settings: config.dhcp.proxy, logger: deps.logger, handler: route.handler, onOutcome: (o) => counter.inc({ kind: o.kind, outcome: o.outcome }) });
  metrics.gauge('bootherd_dhcp_state', 'proxyDHCP state sizes: client MACs tracked for rate limits, requests in flight', () => [{ labels: { what: 'clients' }, value: proxy.stats().trackedClients }, { labels: { what: 'in-flight' }, value: proxy.stats().inFlight }]);
  return proxy;
}

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
  const renderer = createTemplateRenderer([config.templatesDir, builtinTemplatesDir].filter((d): d is string => Boolean(d)));
  renderer.check();
  const notifier = createEventNotifier();
  const store = createSqliteStore(path.join(config.dataDir, 'bootherd.db'), { onEvents: notifier.notify });
  const metrics = createMetrics();
  metrics.gauge('bootherd_nodes', 'Nodes by lifecycle state', async () => {
    const counts = await store.countNodesByState();
    return states.map((state) => ({ labels: { state }, value: counts[state] ?? 0 }));
  });
  const power = createPowerService({ drivers: [], logger });
  const settings = { agentPollSeconds: config.agentPollSeconds, installTimeoutSeconds: config.installTimeoutSeconds };
  const enrollGate = createEnrollGate({ store, now, logger, settings: config.enroll, refused: metrics.counter('bootherd_enroll_refused_total', 'Enrollments by boot requests refused, by reason (rate, cap)'), expired: metrics.counter('bootherd_enroll_expired_total', 'Pending nodes deleted after enroll.pendingTtlHours') });
  metrics.gauge('bootherd_pending_nodes', 'Nodes enrolled by boot requests that have never reported', async () => [{ labels: {}, value: await store.countNodes({ state: 'new', pending: true }) }]);
  const deps = { store, now, logger, settings, power, enrollGate };
  const agent = createAgentService(deps);
  const discovery = createDiscoveryService({ ...deps, agent });
  const nodes = createNodeService(deps);
  const advertised = resolveAdvertise(config);
  const advertise = advertised.host;
  const cache = createFileCache({ maxBytes: config.tftp.cacheBytes, maxFileBytes: 64 * 1024 * 1024 });
  const httpServer = createServer();
  const resolverDeps = { ...deps, renderer, readFile: cache.file, firmwareDir: config.firmwareDir, assetsDir: config.assetsDir, ipxeDir: config.ipxeDir, serverUrl: '' };
  const resolver = createBootFileResolver(resolverDeps);
  const telemetry = createBootTelemetry(deps);
  const admission = createAdmission({ store, now, logger, metrics, settings: config.admission });
  const ipxe = createIpxeService({ ...deps, renderer, serverUrl: () => resolverDeps.serverUrl });
  const dashboard = config.dashboard.enabled ? createDashboard({ adminToken: admin.token, now, sessionHours: config.dashboard.sessionHours, logger }) : null;
  const webhooks = createWebhooks({ store, notifier, hooks: config.webhooks, logger, metrics, version: version() });
  const bootNetwork = requireBootNetwork({ cidrs: config.bootNetworks, trustLoopback: config.trustLoopback });
  const app = createHttpApp({
    adminToken: admin.token,
    logger,
    metrics,
    version: version(),
    nodeRoutes: createNodeRoutes({ discovery, agent, reports: zeroed(metrics.counter('bootherd_node_reports_total', 'Discovery and agent reports by kind'), 'kind', reportKinds), bootNetwork }),
    adminRoutes: [createAdminRoutes({ nodes, rules: createRuleService(deps), store, now, resolver, liveBoot: telemetry.current, admission: admission.view }), createEventRoutes({ store, notifier, nodes, metrics, logger, settings: config.events })],
    sessions: dashboard?.sessions,
    publicRoutes: dashboard ? [dashboard.routes] : [],
    bootRoutes: [createBootRoutes({ resolver, telemetry, bootNetwork }), createIpxeRoutes({ ipxe, bootNetwork })],
  });
  httpServer.on('request', app);
  let proxy: ProxyDhcp | null = null;
  let dhcp: ProxyDhcpInfo | null = null;
  let addr: AddressInfo;
  let tftp: TftpServer | null = null;
  let tftpAddrs: Array<{ address: string; port: number }> = [];
  try {
    addr = await listen(httpServer, config.http.host, config.http.port, 'http', '--http');
    resolverDeps.serverUrl = `http://${advertise}:${addr.port}`;
    if (config.tftp.enabled) {
      const route = createTftpRoute({ resolver, telemetry, logger, admission });
      tftp = createTftpServer({ ...route, listen: config.tftp.listen, blksizeCap: config.tftp.blksizeCap, maxTransfers: config.tftp.maxTransfers, maxPerClient: config.tftp.maxPerClient, logger });
      tftpAddrs = await startTftp(tftp, config);
      metrics.counterFrom('bootherd_tftp_transfers_total', 'TFTP transfers since start by outcome', () => Object.entries(tftp!.stats()).filter(([k]) => k !== 'active').map(([outcome, value]) => ({ labels: { outcome }, value })));
      metrics.gauge('bootherd_tftp_transfers_active', 'TFTP transfers in progress', () => [{ labels: {}, value: tftp!.stats().active }]);
    }
    proxy = config.dhcp.proxy.enabled ? createProxyDhcpFor(config, deps, metrics, () => `${resolverDeps.serverUrl}/boot.ipxe`, admission) : null;
    dhcp = (await proxy?.start()) ?? null;
  } catch (err) {
    await tftp?.stop();
    httpServer.close();
    await store.close();
    throw err;
  }
  const flushTimer = setInterval(() => void telemetry.flush(), 10_000);
  flushTimer.unref();
  const stopWatchdog = createWatchdog(deps).start();
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
    async stop() {
      stopWatchdog();
      stopAdmission();
      stopGate();
      await webhooks.stop();
      clearInterval(flushTimer);
      await proxy?.stop();
      await tftp?.stop();
      await telemetry.flush();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await store.close();
      lock.release();
    },
  };
}
