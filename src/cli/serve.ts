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
  const running = await startBootherd(config, logger);
  // Listen for the signal before announcing anything, so a stop sent right after the announcement is never missed.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const httpUrl = `http://${running.advertise}:${running.http.port}`;
  out(`bootherd ${version()} serving; data in ${config.dataDir}`);
  out(`store: ${describeStore(config)} (instance ${config.instance.name})`);
  out(`http: listening on http://${running.http.host}:${running.http.port}`);
  for (const t of running.tftp) out(`tftp: listening on ${t.address}:${t.port}`);
  out(running.adminTokenFile ? `admin token: in ${running.adminTokenFile}` : 'admin token: from configuration');
  out(`point DHCP at: TFTP server (next-server / option 66) ${running.advertise}; Raspberry Pi clients need option 43 "Raspberry Pi Boot"; iPXE clients chain ${httpUrl}/boot.ipxe`);
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
