// `bootherd serve`: load config, start, print where things listen, stop on a signal.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config, type Flags } from '../config.js';
import { createLogger } from '../log.js';
import { startBootherd, version } from '../main.js';
import { describeStore } from '../store/index.js';

/** Runs the server until SIGINT/SIGTERM. */
export async function runServe(flags: Flags, out: (s: string) => void): Promise<number> {
  const config = loadConfig(flags);
  const logger = createLogger(config.logLevel);
  // Listen for the stop signals before anything is printed: a supervisor may send one as soon as it reads the first line.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const running = await startBootherd(config, logger);
  const httpUrl = `http://${running.advertise}:${running.http.port}`;
  out(`bootherd ${version()} serving; data in ${config.dataDir}`);
  out(`store: ${describeStore(config)} (instance ${config.instance.name})`);
  out(`http: listening on http://${running.http.host}:${running.http.port}`);
  for (const t of running.tftp) out(`tftp: listening on ${t.address}:${t.port}`);
  for (const line of proxyLines(running, httpUrl, config)) out(line);
  out(running.adminTokenFile ? `admin token: in ${running.adminTokenFile}` : 'admin token: from configuration');
  if (config.dashboard.enabled) out(`dashboard: ${httpUrl}/ui/ (log in with the admin token${running.adminTokenFile ? `: cat ${running.adminTokenFile}` : ''})`);
  out(`point DHCP at: TFTP server (next-server / option 66) ${running.advertise}; Raspberry Pi clients need option 43 "Raspberry Pi Boot"; iPXE clients chain ${httpUrl}/boot.ipxe`);
  if (running.advertiseWarning) out(running.advertiseWarning);
  for (const line of missingAssets(config)) out(line);
  await stopped;
  await running.stop();
  return 0;
}

/** Warnings for boot assets a fresh install does not have yet, each naming its fix. */
export function missingAssets(config: Config): string[] {
  const out: string[] = [];
  const discovery = path.join(config.assetsDir, 'discovery');
  if (!existsSync(path.join(config.firmwareDir, 'start4.elf')) && !existsSync(path.join(discovery, 'arm64', 'firmware', 'start4.elf'))) {
    out.push(`warning: no Raspberry Pi firmware in ${config.firmwareDir}: run 'bootherd firmware import' (or copy /boot/firmware from Raspberry Pi OS)`);
  }
  for (const arch of ['arm64', 'amd64']) {
    if (!existsSync(path.join(discovery, arch, 'vmlinuz'))) out.push(`warning: no ${arch} discovery image in ${path.join(discovery, arch)}: run 'bootherd image build --arch ${arch}'`);
  }
  return out;
}

/** What the proxyDHCP answers and what it needs, for the start banner. */
export function proxyLines(running: { dhcp: { interface: string | null; address: string; port: number; pxePort: number } | null }, httpUrl: string, config: Config): string[] {
  const d = running.dhcp;
  if (!d) return [];
  return [
    `dhcp: proxyDHCP on ${d.interface ?? d.address} (${d.address}), UDP ${d.port} and ${d.pxePort}: answers Raspberry Pi (option 43 "Raspberry Pi Boot", TFTP ${d.address}), PXE ROMs (BIOS undionly.kpxe, UEFI x64 ipxe.efi, arm64 snp.efi over TFTP) and iPXE (${httpUrl}/boot.ipxe); it offers no addresses, the site's DHCP server keeps the leases`,
    'dhcp: needs UDP ports 67 and 4011 (root or CAP_NET_BIND_SERVICE); plain UDP sockets with SO_BROADCAST, no raw sockets, so no CAP_NET_RAW',
    ...(config.tftp.enabled ? [] : [`warning: the proxy names ${d.address} as TFTP server but TFTP is off (--no-tftp)`]),
  ];
}
