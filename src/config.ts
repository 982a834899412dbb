// Configuration: one zod schema with defaults; defaults < config file (YAML or
// JSON) < BOOTHERD_* environment < command-line flags. Nothing else in
// bootherd reads process.env.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { imageInputSchema, imageNameSchema } from './domain/images.js';
import { ConfigError, type Issue } from './errors.js';
import { publicKeySchema } from './domain/ssh-keys.js';
import { watchdogSettingsSchema } from './domain/wedge.js';
import { parseController } from './power/registry.js';

const port = z.number().int().min(0).max(65535);
const hostPort = z.string().transform((s, ctx) => {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s.trim());
  const p = m ? Number(m[3]) : NaN;
  if (!m || p > 65535) return (ctx.addIssue({ code: 'custom', message: `expected HOST:PORT, got ${JSON.stringify(s)}` }), z.NEVER);
  return { host: m[1] ?? m[2]!, port: p };
});
const instanceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'expected 1-63 letters, digits, . _ - (starting with a letter or digit)' });
/** This machine's host name as an instance name: the default of `instance.name`. */
export const defaultInstanceName = (): string => os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63) || 'bootherd';
const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, { message: 'expected an IPv4 address' });
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, { message: 'expected an IPv4 CIDR such as 10.0.0.0/24' });

/** One webhook receiver (DESIGN §11): the event kinds it wants ('*' for all), and the HMAC secret that signs each body. */
export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }),
  events: z.array(z.string().regex(/^(\*|[a-z0-9][a-z0-9-]{0,39})$/, { message: "expected an event kind such as 'transition', or '*'" })).min(1).default(['*']),
  secret: z.string().min(8, { message: 'must be at least 8 characters' }),
  timeoutSeconds: z.number().positive().max(300).default(10),
  maxAttempts: z.number().int().min(1).max(100).default(8),
  /** The first retry's delay; each further one doubles, up to 5 minutes. */
  backoffSeconds: z.number().positive().max(300).default(1),
  /** Events waiting for this receiver; beyond it the oldest are dropped (counted in /metrics). */
  queueSize: z.number().int().min(1).max(100_000).default(1000),
});

const seconds = z.number().positive().max(86_400);
/** The `admission` block: the budget (boards at once, link bytes per second) and its timings, in seconds. */
export const admissionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  maxBoards: z.number().int().min(1).max(100_000).default(256),
  minBoards: z.number().int().min(1).default(2),
  /** The budget before any transfer was measured (bytesPerSecond 'auto'). */
  initialBoards: z.number().int().min(1).default(16),
  /** 'auto' measures what the network carries; a number is the link's usable bytes per second. */
  bytesPerSecond: z.union([z.literal('auto'), z.number().positive()]).default('auto'),
  /** A slot ends this long after admission whatever the board does. */
  slotSeconds: seconds.default(120),
  /** The boards' TFTP_FILE_TIMEOUT. */
  fileTimeoutSeconds: seconds.default(30),
  /** DHCP silence at most, then the board is answered and turned away at its first TFTP request instead: keep it within DHCP_TIMEOUT (45 s). */
  maxDeferSeconds: seconds.default(36),
  /** A first firmware RRQ of a board not admitted goes unanswered this long per boot loop (the Pi sends it again every second), then ERROR 0: keep it well within TFTP_FILE_TIMEOUT; 0 turns the board away at once. */
  holdSeconds: z.number().min(0).max(86_400).default(22),
  idleSeconds: seconds.default(10),
  /** A waiting board silent this long loses its place. */
  forgetSeconds: seconds.default(10),
  /** Share of fileTimeoutSeconds the largest file may take at the planned rate. */
  headroom: z.number().gt(0).max(1).default(0.5),
}).prefault({})
  .refine((a) => a.minBoards <= a.maxBoards && a.initialBoards <= a.maxBoards, { message: 'minBoards and initialBoards must not exceed maxBoards' })
  .refine((a) => a.holdSeconds < a.fileTimeoutSeconds, { message: 'holdSeconds must be under fileTimeoutSeconds: a board held that long has no time left for the file', path: ['holdSeconds'] });

// Each controller is checked by its driver's own schema; the raw object is kept (secrets stay strings until a driver parses them).
const controllers = z.array(z.record(z.string(), z.unknown())).default([]).superRefine((list, ctx) => {
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const r = parseController(raw);
    if (!r.ok) for (const issue of r.issues) ctx.addIssue({ code: 'custom', path: [i, ...issue.path.split('.')], message: issue.message });
    else if (names.has(r.controller.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `a controller named '${r.controller.name}' is defined twice` });
    else names.add(r.controller.name);
  });
});

/** One on a machine of up to 3 cores (the clients and the rest of bootherd need theirs), else half the cores, at most 8. */
function defaultTftpWorkers(): number {
  const cores = os.availableParallelism();
  return cores <= 3 ? 1 : Math.min(8, Math.floor(cores / 2));
}

/** The configuration schema, with every default. */
export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default('./data'),
  http: hostPort.default({ host: '0.0.0.0', port: 8080 }),
  tftp: z.strictObject({
    enabled: z.boolean().default(true),
    listen: z.array(hostPort).min(1).default([{ host: '0.0.0.0', port: 69 }]),
    blksizeCap: z.number().int().min(512).max(65464).default(1468),
    maxTransfers: z.number().int().min(1).default(512),
    maxPerClient: z.number().int().min(1).default(16),
    cacheBytes: z.number().int().min(0).default(128 * 1024 * 1024),
    // Retransmission follows each transfer's measured round trip, within these bounds.
    rtoMinMs: z.number().int().min(1).max(60_000).default(10),
    rtoMaxMs: z.number().int().min(1).max(255_000).default(2000),
    // Threads carrying transfers: 1 keeps them on the main thread; more run them on worker threads.
    workers: z.number().int().min(1).max(64).default(defaultTftpWorkers()),
  }).refine((t) => t.rtoMinMs <= t.rtoMaxMs, { message: 'must not exceed tftp.rtoMaxMs', path: ['rtoMinMs'] }).prefault({}),
  advertise: z.string().regex(/^[A-Za-z0-9.:-]+$/, { message: 'expected a host name or IP address' }).optional(),
  adminToken: z.string().min(16, { message: 'must be at least 16 characters' }).regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' }).optional(),
  firmwareDir: z.string().min(1).optional(),
  assetsDir: z.string().min(1).optional(),
  imagesDir: z.string().min(1).optional(),
  templatesDir: z.string().min(1).optional(),
  ipxeDir: z.string().min(1).default('/usr/lib/ipxe'),
  bootNetworks: z.array(cidr).default([]),
  /** Loopback clients (127.0.0.0/8, ::1) may use node-facing routes and TFTP whatever bootNetworks says. */
  trustLoopback: z.boolean().default(true),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  enroll: z.strictObject({
    perSourcePerMinute: z.number().int().min(1).default(30),
    maxPendingNodes: z.number().int().min(1).default(2048),
    pendingTtlHours: z.number().positive().default(24),
  }).default({ perSourcePerMinute: 30, maxPendingNodes: 2048, pendingTtlHours: 24 }),
  agentPollSeconds: z.number().int().min(1).max(3600).default(10),
  installTimeoutSeconds: z.number().int().min(60).default(3600),
  /** Images stored (created or replaced) at start, by name. */
  images: z.record(imageNameSchema, imageInputSchema).default({}),
  roots: z.strictObject({ dir: z.string().min(1).optional(), provider: z.enum(['auto', 'btrfs', 'copy']).default('auto') }).default({ provider: 'auto' }),
  exports: z.strictObject({
    kind: z.enum(['kernel', 'ganesha', 'none']).default('none'),
    file: z.string().min(1).optional(),
    reloadCommand: z.array(z.string().min(1)).min(1).optional(),
    nfsVersions: z.array(z.union([z.literal(3), z.literal(4)])).min(1).optional(),
  }).default({ kind: 'none' }),
  dhcp: z.strictObject({
    /** The built-in proxyDHCP (DESIGN §10): answers PXE clients beside the site's DHCP server. */
    proxy: z.strictObject({
      enabled: z.boolean().default(false),
      interface: z.string().regex(/^[A-Za-z0-9_.@-]{1,15}$/, { message: 'expected a network interface name such as eth0' }).optional(),
      listen: ipv4.optional(),
      port: port.default(67),
      pxePort: port.default(4011),
      clientPort: port.default(68),
      replyAddress: ipv4.default('255.255.255.255'),
      maxPerSecond: z.number().int().min(1).default(500),
      /** Requests a second one client MAC may send after a burst of 16 (a Pi asks every 4 s). */
      perClientPerSecond: z.number().positive().max(1000).default(1),
      ipxeRoms: z.enum(['chain', 'reload']).default('chain'),
    }).prefault({}),
  }).prefault({}),
  events: z.strictObject({
    heartbeatSeconds: z.number().positive().max(3600).default(15),
    /** Bytes a stream client may leave unread before it is cut off. */
    clientBufferBytes: z.number().int().min(16 * 1024).default(1024 * 1024),
    /** How long a stream client may leave its socket full before it is cut off. */
    stallSeconds: z.number().positive().max(3600).default(30),
    maxClients: z.number().int().min(1).max(10_000).default(256),
  }).prefault({}),
  webhooks: z.array(webhookSchema).default([]),
  /** Boot admission (DESIGN §7, README "Boot admission"): boards beyond the budget wait before their firmware. */
  admission: admissionSchema,
  dashboard: z.strictObject({
    enabled: z.boolean().default(true),
    sessionHours: z.number().positive().max(24 * 30).default(12),
  }).prefault({}),
  power: z.strictObject({ controllers }).default({ controllers: [] }),
  watchdog: watchdogSettingsSchema.default(watchdogSettingsSchema.parse({})),
  rescue: z.strictObject({ authorizedKeys: z.array(publicKeySchema).max(100).default([]) }).default({ authorizedKeys: [] }),
  store: z.strictObject({
    /** PostgreSQL shared by several instances; unset: SQLite in the data dir. */
    url: z.string().regex(/^postgres(ql)?:\/\/\S*$/, { message: 'expected a postgres:// (or postgresql://) URL; leave unset for SQLite in the data dir' }).optional(),
    autoMigrate: z.boolean().default(true),
    poolSize: z.number().int().min(1).max(200).default(10),
  }).default({ autoMigrate: true, poolSize: 10 }),
  instance: z.strictObject({ name: instanceName.default(defaultInstanceName) }).default(() => ({ name: defaultInstanceName() })),
});

/** The configuration as parsed, paths made absolute. */
export type Config = z.infer<typeof configSchema> & { dataDir: string; firmwareDir: string; assetsDir: string; configFile: string | null; imagesDir: string; roots: { dir: string; provider: 'auto' | 'btrfs' | 'copy' } };

/** Flags as the CLI parsed them (names as in `--data-dir`). */
export type Flags = Record<string, string | string[] | boolean | undefined>;

const envMap: Record<string, string> = {
  BOOTHERD_DATA_DIR: 'dataDir', BOOTHERD_HTTP: 'http', BOOTHERD_TFTP: 'tftp.listen', BOOTHERD_ADVERTISE: 'advertise',
  BOOTHERD_ADMIN_TOKEN: 'adminToken', BOOTHERD_FIRMWARE_DIR: 'firmwareDir', BOOTHERD_ASSETS_DIR: 'assetsDir',
  BOOTHERD_TEMPLATES_DIR: 'templatesDir', BOOTHERD_IPXE_DIR: 'ipxeDir', BOOTHERD_BOOT_NETWORKS: 'bootNetworks', BOOTHERD_LOG_LEVEL: 'logLevel',
  BOOTHERD_STORE: 'store.url', BOOTHERD_INSTANCE: 'instance.name',
  BOOTHERD_IMAGES_DIR: 'imagesDir', BOOTHERD_ROOTS_DIR: 'roots.dir', BOOTHERD_ROOTS_PROVIDER: 'roots.provider', BOOTHERD_EXPORTS_KIND: 'exports.kind', BOOTHERD_EXPORTS_FILE: 'exports.file',
  BOOTHERD_PROXY_DHCP: 'dhcp.proxy.interface',
};
const flagMap: Record<string, string> = {
  'data-dir': 'dataDir', http: 'http', tftp: 'tftp.listen', advertise: 'advertise', 'admin-token': 'adminToken',
  'firmware-dir': 'firmwareDir', 'assets-dir': 'assetsDir', 'templates-dir': 'templatesDir', 'ipxe-dir': 'ipxeDir', 'boot-network': 'bootNetworks', 'log-level': 'logLevel',
  store: 'store.url', instance: 'instance.name',
  'roots-dir': 'roots.dir', 'images-dir': 'imagesDir', 'exports-kind': 'exports.kind', 'exports-file': 'exports.file',
  'proxy-dhcp': 'dhcp.proxy.interface',
};
const listKeys = new Set(['tftp.listen', 'bootNetworks']);

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const [head, ...rest] = key.split('.') as [string, ...string[]];
  if (rest.length === 0) obj[head] = value;
  else {
    const child = { ...((obj[head] as Record<string, unknown> | undefined) ?? {}) };
    setPath(child, rest.join('.'), value);
    obj[head] = child;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: 'config', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
  try {
    const doc = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the top level must be a mapping');
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([{ path: 'config', message: `cannot parse ${file}: ${(err as Error).message.split('\n')[0]}` }]);
  }
}

/** Loads the configuration; throws ConfigError listing every problem. */
export function loadConfig(flags: Flags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = (typeof flags.config === 'string' ? flags.config : undefined) ?? env.BOOTHERD_CONFIG;
  const raw: Record<string, unknown> = file ? readConfigFile(path.resolve(cwd, file)) : {};
  for (const [name, key] of Object.entries(envMap)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, key, listKeys.has(key) ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);
  }
  for (const [name, key] of Object.entries(flagMap)) {
    const v = flags[name];
    if (v === undefined || typeof v === 'boolean') continue;
    setPath(raw, key, listKeys.has(key) ? (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')) : Array.isArray(v) ? v[v.length - 1] : v);
  }
  if (flags['no-tftp'] === true) setPath(raw, 'tftp.enabled', false);
  // Naming the proxy's interface on the command line or in the environment turns it on.
  if (typeof flags['proxy-dhcp'] === 'string' || env.BOOTHERD_PROXY_DHCP) setPath(raw, 'dhcp.proxy.enabled', true);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i): Issue => ({ path: i.path.join('.') || '(root)', message: i.message })));
  const c = parsed.data;
  const dataDir = path.resolve(cwd, c.dataDir);
  return {
    ...c,
    dataDir,
    firmwareDir: path.resolve(cwd, c.firmwareDir ?? path.join(dataDir, 'firmware')),
    assetsDir: path.resolve(cwd, c.assetsDir ?? path.join(dataDir, 'assets')),
    imagesDir: path.resolve(cwd, c.imagesDir ?? path.join(dataDir, 'images')),
    templatesDir: c.templatesDir ? path.resolve(cwd, c.templatesDir) : undefined,
    ipxeDir: path.resolve(cwd, c.ipxeDir),
    roots: { ...c.roots, dir: path.resolve(cwd, c.roots.dir ?? path.join(dataDir, 'roots')) },
    exports: { ...c.exports, ...(c.exports.file ? { file: path.resolve(cwd, c.exports.file) } : {}) },
    configFile: file ? path.resolve(cwd, file) : null,
  };
}

/** Where the CLI's API commands connect, and with which token. */
export interface ClientConfig {
  url: string;
  token: string | null;
  tokenFile: string;
}

/** Loads the client side: --url / BOOTHERD_URL, --admin-token / BOOTHERD_ADMIN_TOKEN, else `<data-dir>/admin-token`. */
export function loadClientConfig(flags: Flags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ClientConfig {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const url = (str(flags.url) ?? str(env.BOOTHERD_URL) ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const dataDir = path.resolve(cwd, str(flags['data-dir']) ?? str(env.BOOTHERD_DATA_DIR) ?? './data');
  const tokenFile = path.join(dataDir, 'admin-token');
  let token = str(flags['admin-token']) ?? str(env.BOOTHERD_ADMIN_TOKEN) ?? null;
  if (!token) {
    try {
      token = readFileSync(tokenFile, 'utf8').trim() || null;
    } catch {
      token = null;
    }
  }
  return { url, token, tokenFile };
}
