// `bootherd firmware import`: fills the firmware dir from Debian's
// raspi-firmware package (GPU firmware) and the arm64 kernel package (Pi
// device trees), downloaded with apt-get from the host's mirror.
import path from 'node:path';
import type { Logger } from '../log.js';
import { createApt } from './apt.js';
import { hostMirror } from './apt-sources.js';
import { piDeviceTrees, piFirmware, writeAssets } from './assets.js';
import { unpackDeb } from './deb.js';
import { requireTool } from './exec.js';

/** What to import and from where. */
export interface FirmwareImportOptions {
  firmwareDir: string;
  cacheDir: string;
  suite: string;
  mirror?: string;
  logger: Logger;
  progress: (line: string) => void;
}

/** Downloads (or reuses) the packages and writes firmware and device trees into the firmware dir. */
export async function importFirmware(o: FirmwareImportOptions): Promise<{ files: number; changed: boolean }> {
  await requireTool('apt-get', 'apt');
  await requireTool('dpkg-deb', 'dpkg');
  const mirror = o.mirror ?? (await hostMirror(o.suite));
  o.progress(`firmware: package index (${mirror} ${o.suite})`);
  const apt = createApt({ cacheDir: o.cacheDir, arch: 'arm64', mirror, suite: o.suite, logger: o.logger });
  await apt.update();
  const roots: string[] = [];
  for (const name of ['raspi-firmware', await apt.kernelPackage()]) {
    const deb = await apt.fetch(name);
    o.progress(`firmware: ${deb.cached ? 'reusing cached' : 'downloaded'} ${path.basename(deb.file)}`);
    roots.push((await unpackDeb(deb.file, path.join(o.cacheDir, 'arm64', 'unpacked'))).dir);
  }
  const blobs = (await piFirmware(roots[0]!)).map((f) => ({ ...f, path: f.path.replace(/^firmware\//, '') }));
  const files = [...blobs, ...(await piDeviceTrees(roots[1]!))];
  const written = await writeAssets(o.firmwareDir, files, { schema: 1, arch: 'arm64', kernelVersion: '', builtAt: new Date().toISOString(), packages: [], mirror, suite: o.suite, modules: { loaded: [], builtin: [], missing: [] } });
  o.progress(`firmware: ${written.changed ? 'wrote' : 'unchanged'} ${files.length} files in ${o.firmwareDir}`);
  return { files: files.length, changed: written.changed };
}
