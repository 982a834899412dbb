// The files a storm serves, generated in a directory: firmware, discovery
// images, target images, the iPXE binary and installable disk images, with
// sizes taken from the real files (raspi-firmware, the discovery image the
// builder makes from Debian's kernels, Raspberry Pi OS) or a small set for
// tests. Contents are random: sizes and not-found answers are what matter.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** File sizes in bytes for one storm. */
export interface BootSetSizes {
  start4: number;
  fixup4: number;
  dtb4: number;
  dtb5: number;
  overlayMap: number;
  discoveryKernelArm64: number;
  discoveryInitramfsArm64: number;
  discoveryKernelAmd64: number;
  discoveryInitramfsAmd64: number;
  piKernel: number;
  piInitramfs: number;
  x86Kernel: number;
  x86Initramfs: number;
  undionly: number;
  diskImage: number;
}

const MB = 1_000_000;

/** Sizes of the real files: start4.elf and fixup4.dat from raspi-firmware, Debian 6.1 kernels as the discovery builder writes them (arm64 as a plain Image), Raspberry Pi OS bookworm's kernel8.img and initramfs8. */
export const realisticSizes: BootSetSizes = {
  start4: 2_249_280, fixup4: 5_399, dtb4: 27_386, dtb5: 79_000, overlayMap: 5_500,
  discoveryKernelArm64: 32_956_352, discoveryInitramfsArm64: 3_109_840, discoveryKernelAmd64: 8_222_656, discoveryInitramfsAmd64: 3_250_413,
  piKernel: 9_300_000, piInitramfs: 12 * MB, x86Kernel: 8_222_656, x86Initramfs: 12 * MB, undionly: 71_000, diskImage: 64 * MB,
};

/** A small set for tests: the same files, a few hundred KB each. */
export const smallSizes: BootSetSizes = {
  start4: 96_000, fixup4: 5_399, dtb4: 27_386, dtb5: 30_000, overlayMap: 2_000,
  discoveryKernelArm64: 200_000, discoveryInitramfsArm64: 120_000, discoveryKernelAmd64: 150_000, discoveryInitramfsAmd64: 100_000,
  piKernel: 160_000, piInitramfs: 140_000, x86Kernel: 150_000, x86Initramfs: 120_000, undionly: 71_000, diskImage: 1_500_000,
};

/** Where everything was written. */
export interface BootSet {
  dir: string;
  firmwareDir: string;
  assetsDir: string;
  ipxeDir: string;
  /** Target images: name -> boot dir and file names. */
  images: { pi: { bootDir: string; kernel: string; initramfs: string }; x86: { bootDir: string; kernel: string; initramfs: string } };
  /** Installable disk images: name -> file and sha256. */
  disks: { pi: { file: string; sha256: string; sizeBytes: number }; x86: { file: string; sha256: string; sizeBytes: number } };
  /** Bytes of every generated file by path relative to dir (for checks). */
  sha256: Map<string, string>;
  sizes: BootSetSizes;
}

/** Writes a boot set under `dir`. */
export async function writeBootSet(dir: string, sizes: BootSetSizes = smallSizes): Promise<BootSet> {
  const sha256 = new Map<string, string>();
  const put = async (rel: string, size: number): Promise<string> => {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    const buf = randomBytes(size);
    await writeFile(file, buf, { mode: 0o644 });
    const sum = createHash('sha256').update(buf).digest('hex');
    sha256.set(rel, sum);
    return sum;
  };
  await put('firmware/start4.elf', sizes.start4);
  await put('firmware/fixup4.dat', sizes.fixup4);
  await put('firmware/bcm2711-rpi-4-b.dtb', sizes.dtb4);
  await put('firmware/bcm2712-rpi-5-b.dtb', sizes.dtb5);
  await put('firmware/overlays/overlay_map.dtb', sizes.overlayMap);
  await put('assets/discovery/arm64/vmlinuz', sizes.discoveryKernelArm64);
  await put('assets/discovery/arm64/initramfs.gz', sizes.discoveryInitramfsArm64);
  await put('assets/discovery/amd64/vmlinuz', sizes.discoveryKernelAmd64);
  await put('assets/discovery/amd64/initramfs.gz', sizes.discoveryInitramfsAmd64);
  await put('images/raspios/kernel8.img', sizes.piKernel);
  await put('images/raspios/initramfs8', sizes.piInitramfs);
  await put('images/debian/vmlinuz', sizes.x86Kernel);
  await put('images/debian/initrd.img', sizes.x86Initramfs);
  await put('ipxe/undionly.kpxe', sizes.undionly);
  const piDisk = await put('disks/raspios.img', sizes.diskImage);
  const x86Disk = await put('disks/debian.img', Math.round(sizes.diskImage * 1.5));
  return {
    dir, firmwareDir: path.join(dir, 'firmware'), assetsDir: path.join(dir, 'assets'), ipxeDir: path.join(dir, 'ipxe'),
    images: {
      pi: { bootDir: path.join(dir, 'images/raspios'), kernel: 'kernel8.img', initramfs: 'initramfs8' },
      x86: { bootDir: path.join(dir, 'images/debian'), kernel: 'vmlinuz', initramfs: 'initrd.img' },
    },
    disks: {
      pi: { file: path.join(dir, 'disks/raspios.img'), sha256: piDisk, sizeBytes: sizes.diskImage },
      x86: { file: path.join(dir, 'disks/debian.img'), sha256: x86Disk, sizeBytes: Math.round(sizes.diskImage * 1.5) },
    },
    sha256, sizes,
  };
}
