// Kernel modules for the discovery initramfs: which ones, in which load order,
// decompressed so busybox insmod can load them.
import { readFile, readdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { ImageBuildError } from './errors.js';
import { run, runRaw } from './exec.js';

/** Wanted modules; each entry lists alternative names (the first present wins). */
export const wantedModules: string[][] = [
  ['virtio_pci'], ['virtio_mmio'], ['virtio_net'], ['virtio_blk'], ['virtio_scsi'],
  ['e1000'], ['e1000e'], ['igb'], ['r8169'],
  ['bcmgenet', 'genet'], ['mdio_bcm_unimac'], ['broadcom'], ['lan78xx'], ['smsc95xx'],
  ['pcie_brcmstb'], ['reset_raspberrypi'], ['xhci_pci'], ['xhci_plat_hcd'], ['dwc2'],
  ['usb_storage'], ['uas'], ['sd_mod'], ['ahci'], ['nvme'],
  ['mmc_block'], ['sdhci_iproc'], ['bcm2835'], ['sdhci_pci'],
  // NFS client for the nfs-root mode (lib/nfsroot.sh); modules.dep brings sunrpc, lockd, netfs, ...
  ['nfs'], ['nfsv3'], ['nfsv4'],
];

/** Normalises a module name or path (`kernel/x/sdhci-iproc.ko.xz`) to `sdhci_iproc`. */
export function moduleName(file: string): string {
  return path.basename(file).replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/** Parses modules.dep into name -> { path, deps (paths) }. */
export function parseModulesDep(text: string): Map<string, { file: string; deps: string[] }> {
  const map = new Map<string, { file: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const [file, rest] = line.split(':');
    if (!file || rest === undefined) continue;
    map.set(moduleName(file), { file, deps: rest.trim().split(/\s+/).filter(Boolean) });
  }
  return map;
}

/** Resolves the wanted modules to files in load order (dependencies first); reports the missing. */
export function resolveLoadOrder(dep: Map<string, { file: string; deps: string[] }>, builtin: Set<string>, wanted: string[][]): { files: string[]; missing: string[]; builtin: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const inKernel: string[] = [];
  const byFile = new Map([...dep.values()].map((e) => [e.file, e]));
  const visit = (file: string) => {
    if (files.includes(file)) return;
    // modules.dep lists the full transitive closure, deepest last; load it reversed
    for (const d of [...(byFile.get(file)?.deps ?? [])].reverse()) visit(d);
    files.push(file);
  };
  for (const alternatives of wanted) {
    const hit = alternatives.find((n) => dep.has(n));
    if (hit) visit(dep.get(hit)!.file);
    else if (alternatives.some((n) => builtin.has(n))) inKernel.push(alternatives[0]!);
    else missing.push(alternatives[0]!);
  }
  return { files, missing, builtin: inKernel };
}

/** Finds `lib/modules/<version>` in an unpacked kernel package. */
export async function findModulesDir(root: string): Promise<{ base: string; version: string }> {
  for (const rel of ['lib/modules', 'usr/lib/modules']) {
    const dir = path.join(root, rel);
    const versions = await readdir(dir).catch(() => [] as string[]);
    if (versions[0]) {
      // depmod -b BASE looks in BASE/lib/modules; merged-/usr packages only have usr/lib
      if (rel.startsWith('usr/')) await symlink('usr/lib', path.join(root, 'lib')).catch(() => undefined);
      return { base: root, version: versions[0] };
    }
  }
  throw new ImageBuildError(`kernel: no lib/modules/<version> in ${root}`);
}

/** Runs depmod on an unpacked kernel and returns the wanted modules in load order. */
export async function planModules(root: string, wanted = wantedModules): Promise<{ version: string; dir: string; files: string[]; missing: string[]; builtin: string[] }> {
  const { base, version } = await findModulesDir(root);
  const dir = path.join(base, 'lib', 'modules', version);
  const depFile = path.join(dir, 'modules.dep');
  if (!(await stat(depFile).then(() => true, () => false))) await run('depmod', ['-b', base, version]);
  const dep = parseModulesDep(await readFile(depFile, 'utf8'));
  const builtinText = await readFile(path.join(dir, 'modules.builtin'), 'utf8').catch(() => '');
  const builtin = new Set(builtinText.split('\n').filter(Boolean).map(moduleName));
  const order = resolveLoadOrder(dep, builtin, wanted);
  return { version, dir, ...order, files: order.files.map((f) => path.join(dir, f)) };
}

/** Reads a module file, decompressing .ko.xz / .ko.zst / .ko.gz. */
export async function readModule(file: string): Promise<Buffer> {
  if (file.endsWith('.xz')) return runRaw('xz', ['-dc', file]);
  if (file.endsWith('.zst')) return runRaw('zstd', ['-dcq', file]);
  if (file.endsWith('.gz')) return runRaw('gzip', ['-dc', file]);
  return readFile(file);
}
