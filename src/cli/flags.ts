// Flags that several commands share, declared once: how API commands reach
// bootherd, the server's configuration and store flags (checked by the config
// schema), output formats and --dry-run.
import { configSchema } from '../config.js';
import type { FlagSpec } from './command.js';

/** How the API commands reach bootherd. */
export const clientFlags = {
  url: { type: 'string', value: 'URL', help: "bootherd's HTTP API (default http://127.0.0.1:8080; env BOOTHERD_URL)" },
  'admin-token': { type: 'string', value: 'TOKEN', help: 'admin API token (env BOOTHERD_ADMIN_TOKEN; default: read from <data-dir>/admin-token)' },
  'data-dir': { type: 'string', value: 'DIR', help: 'where to read the admin token from (default ./data; env BOOTHERD_DATA_DIR)', complete: 'dir' },
} as const satisfies Record<string, FlagSpec>;

const shape = configSchema.shape;

/** The config file and data dir, for every command that reads bootherd's configuration. */
export const configFlags = {
  config: { type: 'string', value: 'FILE', help: 'YAML or JSON config file (env BOOTHERD_CONFIG)', complete: 'file' },
  'data-dir': { type: 'string', value: 'DIR', help: 'database, admin token, assets (default ./data)', complete: 'dir' },
} as const satisfies Record<string, FlagSpec>;

/** Where bootherd serves HTTP and what address booting nodes use. */
export const addressFlags = {
  http: { type: 'string', value: 'HOST:PORT', help: 'HTTP listen address (default 0.0.0.0:8080; port 0: any free port)', schema: shape.http },
  advertise: { type: 'string', value: 'HOST', help: 'address booting nodes use to reach bootherd (default: the HTTP host, else the first non-loopback IPv4)', schema: shape.advertise },
} as const satisfies Record<string, FlagSpec>;

/** Which store bootherd uses and the name it writes under (serve, migrate, store export|import). */
export const storeFlags = {
  store: { type: 'string', value: 'URL', help: 'PostgreSQL shared by several instances, postgres://USER[:PASS]@HOST[:PORT]/DB (env BOOTHERD_STORE; default: SQLite in <data-dir>/bootherd.db)', schema: shape.store.unwrap().shape.url.unwrap() },
  instance: { type: 'string', value: 'NAME', help: "this instance's name on the events it writes and in /metrics (env BOOTHERD_INSTANCE; default: the host name)", schema: shape.instance.unwrap().shape.name.unwrap() },
} as const satisfies Record<string, FlagSpec>;

/** Everything `serve` can be told on the command line; each value is checked by the config schema. */
export const serverFlags = {
  ...configFlags,
  ...addressFlags,
  ...storeFlags,
  tftp: { type: 'string', value: 'HOST:PORT', multiple: true, help: 'TFTP listen address, one per boot VLAN (default 0.0.0.0:69)', schema: shape.tftp.unwrap().shape.listen.unwrap().element },
  'no-tftp': { type: 'boolean', help: 'do not serve TFTP' },
  'proxy-dhcp': { type: 'string', value: 'IFACE', help: 'answer PXE clients on IFACE as a proxyDHCP beside the site\'s DHCP server (needs ports 67 and 4011)' },
  'admin-token': { type: 'string', value: 'TOKEN', help: 'admin API token (default: generated into <data-dir>/admin-token)', schema: shape.adminToken },
  'firmware-dir': { type: 'string', value: 'DIR', help: 'Raspberry Pi firmware files (default <data-dir>/firmware)', complete: 'dir' },
  'assets-dir': { type: 'string', value: 'DIR', help: 'discovery image builds (default <data-dir>/assets)', complete: 'dir' },
  'templates-dir': { type: 'string', value: 'DIR', help: 'operator templates layered over the built-in ones', complete: 'dir' },
  'ipxe-dir': { type: 'string', value: 'DIR', help: "iPXE binaries (default /usr/lib/ipxe, Debian's ipxe package)", complete: 'dir' },
  'images-dir': { type: 'string', value: 'DIR', help: 'where images import unpacks images (default <data-dir>/images)', complete: 'dir' },
  'roots-dir': { type: 'string', value: 'DIR', help: 'per-node NFS roots (default <data-dir>/roots)', complete: 'dir' },
  'exports-kind': { type: 'string', value: 'KIND', help: 'export the roots over NFS: kernel, ganesha or none (default none)', choices: shape.exports.unwrap().shape.kind.unwrap().options },
  'exports-file': { type: 'string', value: 'FILE', help: 'the exports file bootherd writes (kernel: /etc/exports.d/bootherd.exports; ganesha: /etc/ganesha/bootherd-exports.conf)', complete: 'file' },
  'boot-network': { type: 'string', value: 'CIDR', multiple: true, help: 'only these networks may use the node-facing routes (default: all)', schema: shape.bootNetworks.unwrap().element },
  'log-level': { type: 'string', value: 'LEVEL', help: 'debug, info, warn, error or silent (default info)', choices: shape.logLevel.unwrap().options },
} as const satisfies Record<string, FlagSpec>;

/** `-o FORMAT` with the formats a command offers; the first is the default. */
export function outputFlag<const C extends readonly string[]>(choices: C) {
  return { output: { type: 'string', short: 'o', value: 'FORMAT', choices, help: `output format: ${choices.join(', ')} (default ${choices[0]})` } } as const;
}

/** `--dry-run` for commands that change things. */
export const dryRunFlag = {
  'dry-run': { type: 'boolean', help: 'show what would change and change nothing' },
} as const satisfies Record<string, FlagSpec>;
