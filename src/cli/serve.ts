// `bootherd serve`: load config, start, print where things listen, stop on a signal.
import { loadConfig, type Flags } from '../config.js';
import { createLogger } from '../log.js';
import { startBootherd, version } from '../main.js';

/** Runs the server until SIGINT/SIGTERM. */
export async function runServe(flags: Flags, out: (s: string) => void): Promise<number> {
  const config = loadConfig(flags);
  const logger = createLogger(config.logLevel);
  const running = await startBootherd(config, logger);
  const httpUrl = `http://${running.advertise}:${running.http.port}`;
  out(`bootherd ${version()} serving; data in ${config.dataDir}`);
  out(`http: listening on http://${running.http.host}:${running.http.port}`);
  for (const t of running.tftp) out(`tftp: listening on ${t.address}:${t.port}`);
  out(running.adminTokenFile ? `admin token: in ${running.adminTokenFile}` : 'admin token: from configuration');
  out(`point DHCP at: TFTP server (next-server / option 66) ${running.advertise}; Raspberry Pi clients need option 43 "Raspberry Pi Boot"; iPXE clients chain ${httpUrl}/boot.ipxe`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  return 0;
}
