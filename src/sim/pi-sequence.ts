// What a Raspberry Pi asks for over TFTP, in order. The Pi 4 steps are the
// recorded sequence of a real board (shared/fixtures/pi4-rrq-sequence.txt,
// serial 04f2ea0a) with its kernel probes generalised: the kernel named by
// config.txt, else kernel8.img, kernel8-32.img, kernel7l.img, kernel7.img,
// kernel.img, each probed, the first found loaded (a 32-bit one after the
// armstub). The Pi 5 steps follow shared/PI-NETBOOT.md (unverified order).

/** One request of the sequence. */
export interface PiStep {
  file: string;
  /** Read the OACK (or block 1), then ERROR 0 "Early terminate". */
  probe?: boolean;
  /** Not found ends the boot loop. */
  required?: boolean;
  /** The firmware stage is loaded once this step is done. */
  firmwareDone?: boolean;
}

/** The Pi 4 (EEPROM bootloader, then start4.elf) up to cmdline.txt and the recovery probes. */
export const pi4Steps: readonly PiStep[] = [
  { file: 'config.txt' },
  { file: 'start4.elf', required: true },
  { file: 'fixup4.dat', required: true, firmwareDone: true },
  { file: 'recovery.elf' },
  { file: 'config.txt' },
  { file: 'dt-blob.bin' },
  { file: 'recovery.elf' },
  { file: 'config.txt' },
  { file: 'bootcfg.txt' },
  { file: 'bcm2711-rpi-4-b.dtb' },
  { file: 'overlays/overlay_map.dtb' },
  { file: 'overlays/rpi-poe.dtbo' },
  { file: 'config.txt' },
  { file: 'overlays/vc4-fkms-v3d.dtbo' },
  { file: 'cmdline.txt' },
  { file: 'recovery8.img', probe: true },
  { file: 'recovery8-32.img', probe: true },
  { file: 'recovery7l.img', probe: true },
  { file: 'recovery7.img', probe: true },
  { file: 'recovery.img', probe: true },
];

/** The Pi 5 (firmware in the EEPROM): device tree, overlays, cmdline.txt. */
export const pi5Steps: readonly PiStep[] = [
  { file: 'bcm2712-rpi-5-b.dtb', firmwareDone: true },
  { file: 'overlays/overlay_map.dtb' },
  { file: 'config.txt' },
  { file: 'cmdline.txt' },
];

/** Kernels a Pi 4 probes when config.txt names none. */
export const pi4KernelProbes: readonly string[] = ['kernel8.img', 'kernel8-32.img', 'kernel7l.img', 'kernel7.img', 'kernel.img'];
/** Kernels a Pi 5 probes when config.txt names none. */
export const pi5KernelProbes: readonly string[] = ['kernel_2712.img', 'kernel8.img'];
/** The armstub a Pi 4 loads before a 32-bit kernel. */
export const armstub32 = 'armstub8-32-gic.bin';

/** What config.txt tells the firmware. */
export interface PiConfig {
  kernel: string | null;
  initramfs: string | null;
}

/** Reads config.txt as the firmware does for one board: `[all]`, `[pi4]`/`[pi5]`, `[0x<serial>]` and `[none]` sections, later lines winning. */
export function parsePiConfig(text: string, board: { family: 'pi4' | 'pi5'; serial: string }): PiConfig {
  const out: PiConfig = { kernel: null, initramfs: null };
  let active = true;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      const name = section[1]!.toLowerCase();
      active = name === 'all' || name === board.family || name === `0x${board.serial}` || (name !== 'none' && !/^(pi\d|cm\d|0x[0-9a-f]+)$/.test(name));
      continue;
    }
    if (!active) continue;
    const kernel = /^kernel=(\S+)$/.exec(line);
    if (kernel) out.kernel = kernel[1]!;
    const initramfs = /^initramfs\s+(\S+)/.exec(line);
    if (initramfs) out.initramfs = initramfs[1]!;
  }
  return out;
}

/** True for a 32-bit Pi kernel name (these need the armstub). */
export function is32BitKernel(name: string): boolean {
  return /^kernel(7l?|8-32)?\.img$/.test(name) && name !== 'kernel8.img';
}
