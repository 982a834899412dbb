// One simulated Pi 4 of bench:tftp: its boot set, its RRQ sequence, and a
// boot that checks every byte. Run in the bench's own process, or in client
// processes of their own (tftp-client-proc.ts) for --pin.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { piClient, tftpGet } from '../test/helpers/tftp-client.js';

/** How a client names a file on a server (bootherd: under the Pi's serial prefix). */
export interface PiTarget {
  pathFor(file: string, i: number): string;
  /** Files the server renders per node: checked for a non-empty answer, not against the directory's bytes. */
  rendered: ReadonlySet<string>;
}

/** What one Pi saw. */
export interface PiResult {
  bytes: number;
  failed: number;
  kernelAt: number;
  resent: number;
}

export const MiB = 1024 * 1024;
/** A Pi 4 discovery boot set with realistic sizes. */
const bootSet: Record<string, number> = {
  'start4.elf': 2.2 * MiB,
  'fixup4.dat': 5 * 1024,
  'bcm2711-rpi-4-b.dtb': 52 * 1024,
  'config.txt': 180,
  'cmdline.txt': 120,
  'kernel8.img': 8 * MiB,
  'initramfs8': 12 * MiB,
};
/** The RRQ sequence of a Pi 4 (shared/fixtures/pi4-rrq-sequence.txt, shortened); not-found answers are normal. */
const sequence = ['config.txt', 'start4.elf', 'fixup4.dat', 'recovery.elf', 'config.txt', 'dt-blob.bin', 'bcm2711-rpi-4-b.dtb', 'cmdline.txt', 'kernel8.img', 'initramfs8'];

/** Writes the boot set into `dir` (random bytes) and returns it. */
export async function writeBootSet(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755); // dnsmasq reads as nobody
  for (const [name, size] of Object.entries(bootSet)) {
    const buf = randomBytes(Math.round(size));
    await writeFile(path.join(dir, name), buf, { mode: 0o644 });
    files.set(name, buf);
  }
  return files;
}

/** One Pi: an early-terminate probe of start4.elf, then the boot sequence; every byte checked. */
export async function bootOnePi(to: { host: string; port: number }, target: PiTarget, files: Map<string, Buffer>, i: number, t0: number, lossy: boolean): Promise<PiResult> {
  const out = { bytes: 0, failed: 0, kernelAt: 0, resent: 0 };
  const localAddress = `127.0.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`;
  // Through a lossy link the Pi's per-file timeout decides; without one a storm may take longer.
  const pi = lossy ? piClient : { ...piClient, fileTimeoutMs: undefined };
  const common = { ...pi, ...to, localAddress, keepData: false };
  try {
    const probe = await tftpGet({ ...common, path: target.pathFor('start4.elf', i), earlyTerminate: 'oack' });
    if (probe.oack?.tsize !== String(files.get('start4.elf')?.length)) out.failed++;
  } catch {
    out.failed++;
  }
  for (const name of sequence) {
    const rendered = target.rendered.has(name);
    const want = rendered ? undefined : files.get(name);
    let corrupt = false;
    try {
      const res = await tftpGet({ ...common, path: target.pathFor(name, i), onData: (p, off) => (corrupt ||= !rendered && (!want || p.compare(want, off, off + p.length) !== 0)) });
      out.bytes += res.bytes;
      out.resent += res.retransmitsSeen;
      const ok = rendered ? !res.error && res.bytes > 0 : want ? !res.error && !corrupt && res.bytes === want.length : res.error?.code === 1;
      if (!ok) out.failed++;
    } catch {
      out.failed++;
    }
    if (name === 'kernel8.img') out.kernelAt = performance.now() - t0;
  }
  return out;
}

/** The boot set as written in `dir`. */
export async function readBootSet(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(bootSet)) files.set(name, await readFile(path.join(dir, name)));
  return files;
}

/** The path bootherd is asked for by Pi `i`: under its serial, so each Pi is a node of its own. */
export function serialPath(file: string, i: number): string {
  return `${(0xb0000000 + i).toString(16)}/${file}`;
}
