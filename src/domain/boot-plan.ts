// What a node boots, as data: which template set renders its generated files
// and which asset layers (searched in order) hold everything else (DESIGN §4).
import type { Node } from './node.js';

/** Template sets under boot-templates/rpi/ and boot-templates/ipxe/. */
export type PlanName = 'discovery' | 'install' | 'rescue' | 'nfs-root' | 'usb-root';

/** One place boot files come from. */
/** `discovery-firmware` is the Pi firmware the image builder unpacked beside the discovery image, used when the firmware dir lacks a file. */
/** `prefix`: the layer answers only paths under it (with the prefix taken off), so its names cannot shadow another layer's. */
export type AssetLayer = { kind: 'image'; image: string } | { kind: 'discovery'; prefix?: string } | { kind: 'firmware' } | { kind: 'discovery-firmware' };

/** Where an nfs-root plan serves the discovery kernel and initramfs (for boards that mount the root from its nfs-root mode). */
export const discoveryPrefix = 'bootherd/';

/** A node's boot plan. */
export interface BootPlan {
  name: PlanName;
  layers: AssetLayer[];
}

/** Files rendered from templates rather than read from a layer. */
export const generatedFiles: ReadonlySet<string> = new Set(['config.txt', 'cmdline.txt']);

const discoveryLayers: AssetLayer[] = [{ kind: 'discovery' }, { kind: 'firmware' }, { kind: 'discovery-firmware' }];

/** The plan for a node (null: an unknown client), or null when bootherd must step aside (local, retired). */
export function planFor(node: Node | null): BootPlan | null {
  if (!node) return { name: 'discovery', layers: discoveryLayers };
  switch (node.state) {
    case 'new':
    case 'ready':
    case 'failed':
      return { name: 'discovery', layers: discoveryLayers };
    case 'installing':
      return { name: 'install', layers: discoveryLayers };
    case 'rescue':
      return { name: 'rescue', layers: discoveryLayers };
    case 'retired':
      return null;
    case 'deployed': {
      const t = node.target;
      if (!t || t.kind === 'local' || t.kind === 'install') return null;
      const nfs: AssetLayer[] = t.kind === 'nfs-root' ? [{ kind: 'discovery', prefix: discoveryPrefix }] : [];
      const layers: AssetLayer[] = [...(t.image ? [{ kind: 'image' as const, image: t.image }] : []), ...nfs, { kind: 'firmware' }, { kind: 'discovery-firmware' }];
      return { name: t.kind, layers };
    }
  }
}

/** Boot progress stages, in order. */
export const stages = ['firmware', 'kernel', 'initramfs', 'os-up'] as const;

/** The stage a fetched file shows the node has reached. */
export function stageOf(file: string, kernel: string, initramfs: string): 'firmware' | 'kernel' | 'initramfs' {
  const base = file.split('/').pop() ?? file;
  if (base === kernel || /^(kernel[0-9a-z_-]*\.img|vmlinuz.*|Image)$/.test(base)) return 'kernel';
  if (base === initramfs || /^(initramfs|initrd)/.test(base)) return 'initramfs';
  return 'firmware';
}

/** True for a relative path a client may ask for: no empty or `..` segments, no backslash, NUL or control characters, at most 255 bytes. */
export function isSafeBootPath(p: string): boolean {
  if (p.length === 0 || Buffer.byteLength(p) > 255 || p.startsWith('/') || /[\\\x00-\x1f\x7f]/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '..' && seg !== '.');
}

/** The default kernel file name of a Pi family, when no image names one. */
export function defaultKernel(family: string | null): string {
  return family === 'pi5' ? 'kernel_2712.img' : 'kernel8.img';
}

/** Which discovery-image build a node needs: arm64 for Pis and unknown boards, amd64 for x86. */
export function discoveryArch(arch: string | null): 'arm64' | 'amd64' {
  return arch === 'x86_64' || arch === 'amd64' || arch === 'i386' || arch === 'i686' ? 'amd64' : 'arm64';
}

/** iPXE binaries served un-prefixed over TFTP to PXE ROMs. */
export const ipxeBinaries: ReadonlySet<string> = new Set(['undionly.kpxe', 'ipxe.efi', 'snp.efi', 'ipxe.pxe', 'snponly.efi']);
