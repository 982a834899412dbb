// Builds the discovery image for one architecture: fetch Debian packages into
// the cache, unpack, pick modules, pack the initramfs, write the asset dir.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { packageRoot } from '../paths.js';
import { createApt, type FetchedDeb } from './apt.js';
import { hostMirror } from './apt-sources.js';
import { piDeviceTrees, piFirmware, writeAssets, type AssetFile, type Manifest } from './assets.js';
import { writeCpioGz } from './cpio.js';
import { unpackDeb } from './deb.js';
import { requireTool } from './exec.js';
import { initramfsEntries } from './initramfs.js';
import { planModules } from './modules.js';
import { multiarchTriplet, resolveSharedLibs, type LibFile } from './shared-libs.js';

/** Architectures the discovery image is built for (Debian names). */
export type ImageArch = 'arm64' | 'amd64';

/** Everything one build needs. */
export interface BuildOptions {
  arch: ImageArch;
  outDir: string;
  cacheDir: string;
  suite: string;
  mirror?: string;
  agentDir?: string;
  logger: Logger;
  progress: (line: string) => void;
  now?: () => Date;
}

/** What a build produced. */
export interface BuildResult {
  outDir: string;
  manifest: Manifest;
  changed: boolean;
  downloaded: number;
  reused: number;
}

const hostTools: [string, string][] = [['apt-get', 'apt'], ['dpkg-deb', 'dpkg'], ['depmod', 'kmod'], ['xz', 'xz-utils'], ['zstd', 'zstd']];

/** Builds (or refreshes) the discovery asset dir for `opts.arch`. */
export async function buildDiscoveryImage(opts: BuildOptions): Promise<BuildResult> {
  const step = (n: number, msg: string) => opts.progress(`[${n}/6] ${opts.arch}: ${msg}`);
  for (const [tool, pkg] of hostTools) await requireTool(tool, pkg);
  const mirror = opts.mirror ?? (await hostMirror(opts.suite));
  step(1, `package index (${mirror} ${opts.suite})`);
  const { base: debs, ssh } = await fetchPackages(opts, mirror, step);
  const unpack = async (deb: FetchedDeb) => {
    const { dir, cached } = await unpackDeb(deb.file, path.join(opts.cacheDir, opts.arch, 'unpacked'));
    step(3, `${cached ? 'already unpacked' : 'unpacked'} ${deb.name}`);
    return dir;
  };
  const roots: string[] = [];
  for (const deb of debs) roots.push(await unpack(deb));
  const sshRoots: string[] = [];
  for (const deb of ssh) sshRoots.push(await unpack(deb));
  const [kernelRoot, busyboxRoot, firmwareRoot] = roots as [string, string, string | undefined];
  const mods = await planModules(kernelRoot);
  step(4, `kernel ${mods.version}: ${mods.files.length} modules${mods.missing.length ? `, not in this kernel: ${mods.missing.join(' ')}` : ''}`);
  const sshFiles = await rescueSshFiles(opts.arch, sshRoots[0]!, sshRoots);
  step(4, `rescue SSH: dropbear with ${sshFiles.length - 2} shared libraries from ${ssh.length} ${opts.arch} packages`);
  const packages = [...debs, ...ssh].map(({ name, version, arch }) => ({ name, version, arch }));
  const entries = await initramfsEntries({
    agentDir: opts.agentDir ?? path.join(packageRoot, 'discovery-image'),
    busybox: path.join(busyboxRoot, 'bin', 'busybox'),
    kernelVersion: mods.version,
    moduleFiles: mods.files,
    extraFiles: sshFiles,
    buildInfo: { arch: opts.arch, kernelVersion: mods.version, packages },
  });
  const initramfs = writeCpioGz(entries);
  step(5, `initramfs: ${entries.length} entries, ${(initramfs.length / 1048576).toFixed(1)} MiB`);
  const files = await assetFiles(opts.arch, kernelRoot, mods.version, initramfs, firmwareRoot);
  const modules = { loaded: mods.files.map((f) => path.basename(f)), builtin: mods.builtin, missing: mods.missing };
  const builtAt = (opts.now ?? (() => new Date()))().toISOString();
  const written = await writeAssets(opts.outDir, files, { schema: 1, arch: opts.arch, kernelVersion: mods.version, builtAt, packages, mirror, suite: opts.suite, modules });
  step(6, `${written.changed ? 'wrote' : 'unchanged'} ${files.length} files + manifest.json in ${opts.outDir}`);
  const all = [...debs, ...ssh];
  const reused = all.filter((d) => d.cached).length;
  return { outDir: opts.outDir, manifest: written.manifest, changed: written.changed, downloaded: all.length - reused, reused };
}

/** dropbear and dropbearkey from dropbear-bin, with the shared libraries and the loader they need, from the same arch's packages. */
async function rescueSshFiles(arch: ImageArch, dropbearRoot: string, roots: string[]): Promise<LibFile[]> {
  const bins: LibFile[] = [
    { path: 'usr/sbin/dropbear', from: path.join(dropbearRoot, 'usr', 'sbin', 'dropbear') },
    { path: 'usr/bin/dropbearkey', from: path.join(dropbearRoot, 'usr', 'bin', 'dropbearkey') },
  ];
  return [...bins, ...(await resolveSharedLibs(bins.map((b) => b.from), roots, multiarchTriplet(arch)))];
}

/** Refreshes the private index and fetches kernel, busybox and (arm64) Pi firmware, in that order; then dropbear-bin and its dependencies. */
async function fetchPackages(opts: BuildOptions, mirror: string, step: (n: number, msg: string) => void): Promise<{ base: FetchedDeb[]; ssh: FetchedDeb[] }> {
  const apt = createApt({ cacheDir: opts.cacheDir, arch: opts.arch, mirror, suite: opts.suite, logger: opts.logger });
  await apt.update();
  const wanted = [await apt.kernelPackage(), 'busybox-static', ...(opts.arch === 'arm64' ? ['raspi-firmware'] : [])];
  const debs: FetchedDeb[] = [];
  for (const name of wanted) {
    const deb = await apt.fetch(name);
    step(2, `${deb.cached ? 'reusing cached' : 'downloaded'} ${path.basename(deb.file)}`);
    debs.push(deb);
  }
  const ssh: FetchedDeb[] = [];
  for (const name of await apt.dependsClosure('dropbear-bin')) {
    const deb = await apt.fetch(name);
    step(2, `${deb.cached ? 'reusing cached' : 'downloaded'} ${path.basename(deb.file)}`);
    ssh.push(deb);
  }
  return { base: debs, ssh };
}

async function assetFiles(arch: ImageArch, kernelRoot: string, version: string, initramfs: Buffer, firmwareRoot?: string): Promise<AssetFile[]> {
  return [
    { path: 'vmlinuz', data: await readFile(path.join(kernelRoot, 'boot', `vmlinuz-${version}`)) },
    { path: 'initramfs.gz', data: initramfs },
    ...(arch === 'arm64' ? await piDeviceTrees(kernelRoot) : []),
    ...(firmwareRoot ? await piFirmware(firmwareRoot) : []),
  ];
}
