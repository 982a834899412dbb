// What one boot loop of a network-booting board can end in.

/** The end of one boot loop. */
export type NetbootResult =
  /** Kernel (and initramfs) loaded: the OS starts with this command line. */
  | { kind: 'booted'; cmdline: string }
  /** Nothing to boot from the network (no offer, no boot files): the next boot mode (the local disk) is tried. */
  | { kind: 'declined'; reason: string }
  /** The loop failed (a file timed out, a required file was missing): the loop starts again. */
  | { kind: 'failed'; reason: string; file?: string }
  /** The firmware was told to power off (iPXE `poweroff`). */
  | { kind: 'poweroff' };
