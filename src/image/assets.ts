// Writes the discovery asset dir (kernel, initramfs, Pi device trees and
// firmware) atomically, with a manifest of sizes and sha256 sums.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One output file: its path inside the asset dir and its bytes. */
export interface AssetFile {
  path: string;
  data: Buffer;
}

/** A file as the manifest records it. */
export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

/** The manifest.json of an asset dir. */
export interface Manifest {
  schema: 1;
  arch: string;
  kernelVersion: string;
  builtAt: string;
  packages: { name: string; version: string; arch: string }[];
  mirror: string;
  suite: string;
  modules: { loaded: string[]; builtin: string[]; missing: string[] };
  files: ManifestFile[];
}

/** Pi firmware names for device trees Debian ships under upstream names. */
const dtbAliases: Record<string, string> = {
  'bcm2837-rpi-3-b.dtb': 'bcm2710-rpi-3-b.dtb',
  'bcm2837-rpi-3-b-plus.dtb': 'bcm2710-rpi-3-b-plus.dtb',
  'bcm2837-rpi-3-a-plus.dtb': 'bcm2710-rpi-3-a-plus.dtb',
  'bcm2837-rpi-zero-2-w.dtb': 'bcm2710-rpi-zero-2-w.dtb',
  'bcm2837-rpi-cm3-io3.dtb': 'bcm2710-rpi-cm3.dtb',
  'bcm2711-rpi-cm4-io.dtb': 'bcm2711-rpi-cm4.dtb',
};

/** Reads the 64-bit Pi device trees from an unpacked kernel, adding the firmware's names. */
export async function piDeviceTrees(kernelRoot: string): Promise<AssetFile[]> {
  const base = path.join(kernelRoot, 'usr', 'lib');
  const imageDir = (await readdir(base).catch(() => [] as string[])).find((d) => d.startsWith('linux-image-'));
  if (!imageDir) return [];
  const dir = path.join(base, imageDir, 'broadcom');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^bcm(2710|2711|2712|2837)-rpi-.*\.dtb$/.test(n)).sort();
  const out: AssetFile[] = [];
  for (const name of names) {
    const data = await readFile(path.join(dir, name));
    out.push({ path: name, data });
    const alias = dtbAliases[name];
    if (alias && !names.includes(alias)) out.push({ path: alias, data });
  }
  return out;
}

/** Reads the Pi GPU firmware (bootcode.bin, start*.elf, fixup*.dat) into `firmware/`. */
export async function piFirmware(firmwareRoot: string): Promise<AssetFile[]> {
  const dir = path.join(firmwareRoot, 'usr', 'lib', 'raspi-firmware');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^(bootcode\.bin|start.*\.elf|fixup.*\.dat)$/.test(n)).sort();
  return Promise.all(names.map(async (n) => ({ path: `firmware/${n}`, data: await readFile(path.join(dir, n)) })));
}

/** Describes a file for the manifest. */
export function describeFile(f: AssetFile): ManifestFile {
  return { path: f.path, size: f.data.length, sha256: createHash('sha256').update(f.data).digest('hex') };
}

/** Writes `files` + manifest into `outDir`; unchanged files are left alone. Returns whether anything changed. */
export async function writeAssets(outDir: string, files: AssetFile[], manifest: Omit<Manifest, 'files'>): Promise<{ changed: boolean; manifest: Manifest }> {
  const previous = await readManifest(outDir);
  const described = files.map(describeFile);
  const prevByPath = new Map((previous?.files ?? []).map((f) => [f.path, f.sha256]));
  let changed = !previous || previous.files.length !== described.length;
  for (const [i, f] of files.entries()) {
    if (prevByPath.get(f.path) === described[i]!.sha256 && (await sameFile(path.join(outDir, f.path), f.data))) continue;
    changed = true;
    await writeAtomic(path.join(outDir, f.path), f.data);
  }
  for (const old of previous?.files ?? []) {
    if (!described.some((d) => d.path === old.path)) await rm(path.join(outDir, old.path), { force: true });
  }
  if (!changed && previous) return { changed, manifest: previous };
  const full: Manifest = { ...manifest, files: described };
  await writeAtomic(path.join(outDir, 'manifest.json'), Buffer.from(JSON.stringify(full, null, 2) + '\n'));
  return { changed: true, manifest: full };
}

/** Reads an asset dir's manifest.json, if there is a readable one. */
export async function readManifest(outDir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

async function sameFile(file: string, data: Buffer): Promise<boolean> {
  const cur = await readFile(file).catch(() => undefined);
  return cur !== undefined && cur.equals(data);
}

async function writeAtomic(file: string, data: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
