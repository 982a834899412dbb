// Composition root: config -> store -> services -> servers. The only place
// (besides test helpers) that wires the real object graph.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import type { Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { builtinTemplatesDir, packageRoot } from './paths.js';
import { createAgentService } from './core/agent.js';
import { createBootFileResolver } from './core/boot-files.js';
import { createTftpRoute } from './core/boot-route.js';
import { createBootTelemetry } from './core/boot-telemetry.js';
import { createDiscoveryService } from './core/discovery.js';
import { createNodeService } from './core/nodes.js';
import { createWatchdog } from './core/watchdog.js';
import { createAdminRoutes } from './http/admin-routes.js';
import { createBootRoutes } from './http/boot-routes.js';
import { createIpxeRoutes } from './http/ipxe-routes.js';
import { createIpxeService } from './core/ipxe.js';
import { createHttpApp } from './http/app.js';
import { createNodeRoutes } from './http/node-routes.js';
import { createPowerService } from './power/power.js';
import { createStore } from './store/index.js';
import { createTemplateRenderer } from './templates/renderer.js';
import { createFileCache, createTftpServer, type TftpServer } from './tftp/index.js';

/** A running bootherd. */
export interface Running {
  http: { host: string; port: number };
  tftp: Array<{ address: string; port: number }>;
  advertise: string;
  adminToken: string;
  adminTokenFile: string | null;
  stop(): Promise<void>;
}

/** The installed bootherd version. */
export function version(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The admin token from config, else the one in `<data-dir>/admin-token`, generated (mode 0600) on first start. */
function adminTokenOf(config: Config): { token: string; file: string | null } {
  if (config.adminToken) return { token: config.adminToken, file: null };
  const file = path.join(config.dataDir, 'admin-token');
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, file };
  } catch {
    // first start: generated below
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, file };
}

/** The address booting nodes use to reach this bootherd. */
export function advertiseHost(config: Config): string {
  if (config.advertise) return config.advertise;
  if (config.http.host !== '0.0.0.0' && config.http.host !== '::') return config.http.host;
  const ipv4 = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
  return ipv4?.address ?? '127.0.0.1';
}

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

/** Starts bootherd from a loaded config. */
export async function startBootherd(config: Config, logger: Logger, now: () => Date = () => new Date()): Promise<Running> {
  mkdirSync(config.dataDir, { recursive: true });
  const admin = adminTokenOf(config);
  const store = await createStore(config, logger);
  const metrics = createMetrics();
  metrics.gauge('bootherd_instance_info', 'This bootherd instance (instance.name) and its store', () => [{ labels: { name: config.instance.name, store: config.store.url ? 'postgresql' : 'sqlite' }, value: 1 }]);
  metrics.gauge('bootherd_nodes', 'Nodes by lifecycle state', async () => Object.entries(await store.countNodesByState()).map(([state, value]) => ({ labels: { state }, value })));
  const power = createPowerService({ drivers: [], logger });
  const settings = { agentPollSeconds: config.agentPollSeconds, installTimeoutSeconds: config.installTimeoutSeconds };
  const deps = { store, now, logger, settings, power };
  const agent = createAgentService(deps);
  const discovery = createDiscoveryService({ ...deps, agent });
  const nodes = createNodeService(deps);
  const advertise = advertiseHost(config);
  const renderer = createTemplateRenderer([config.templatesDir, builtinTemplatesDir].filter((d): d is string => Boolean(d)));
  const cache = createFileCache({ maxBytes: config.tftp.cacheBytes, maxFileBytes: 64 * 1024 * 1024 });
  const httpServer = createServer();
  const resolverDeps = { ...deps, renderer, readFile: cache.file, firmwareDir: config.firmwareDir, assetsDir: config.assetsDir, ipxeDir: config.ipxeDir, serverUrl: '' };
  const resolver = createBootFileResolver(resolverDeps);
  const telemetry = createBootTelemetry(deps);
  const ipxe = createIpxeService({ ...deps, renderer, serverUrl: () => resolverDeps.serverUrl });
  const app = createHttpApp({
    adminToken: admin.token,
    bootNetworks: config.bootNetworks,
    logger,
    metrics,
    version: version(),
    nodeRoutes: createNodeRoutes({ discovery, agent, reports: metrics.counter('bootherd_node_reports_total', 'Discovery and agent reports by kind') }),
    adminRoutes: createAdminRoutes({ nodes, store, now, resolver, liveBoot: telemetry.current }),
    bootRoutes: [createBootRoutes({ resolver, telemetry, bootNetworks: config.bootNetworks }), createIpxeRoutes({ ipxe, bootNetworks: config.bootNetworks })],
  });
  httpServer.on('request', app);
  let addr: AddressInfo;
  let tftp: TftpServer | null = null;
  let tftpAddrs: Array<{ address: string; port: number }> = [];
  try {
    addr = await listen(httpServer, config.http.host, config.http.port, 'http', '--http');
    resolverDeps.serverUrl = `http://${advertise}:${addr.port}`;
    if (config.tftp.enabled) {
      const route = createTftpRoute({ resolver, telemetry, logger });
      tftp = createTftpServer({ ...route, listen: config.tftp.listen, blksizeCap: config.tftp.blksizeCap, maxTransfers: config.tftp.maxTransfers, maxPerClient: config.tftp.maxPerClient, logger });
      tftpAddrs = await startTftp(tftp, config);
      metrics.gauge('bootherd_tftp_transfers', 'TFTP transfers since start by outcome', () => Object.entries(tftp!.stats()).map(([outcome, value]) => ({ labels: { outcome }, value })));
    }
  } catch (err) {
    httpServer.close();
    await store.close();
    throw err;
  }
  const flushTimer = setInterval(() => void telemetry.flush(), 10_000);
  flushTimer.unref();
  const stopWatchdog = createWatchdog(deps).start();
  return {
    http: { host: addr.address, port: addr.port },
    tftp: tftpAddrs,
    advertise,
    adminToken: admin.token,
    adminTokenFile: admin.file,
    async stop() {
      stopWatchdog();
      clearInterval(flushTimer);
      await tftp?.stop();
      await telemetry.flush();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await store.close();
    },
  };
}
