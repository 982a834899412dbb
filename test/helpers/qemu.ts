// Launches TCG-only QEMU guests for end-to-end tests: direct kernel boot
// (files on disk or fetched from an HTTP boot-files endpoint) or iPXE netboot,
// user networking (the host's 127.0.0.1 is 10.0.2.2), serial log to a file.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

/** Guest architectures, by Debian name. */
export type GuestArch = 'arm64' | 'amd64';

/** How the guest boots: kernel + initrd given to QEMU, or iPXE from user-net TFTP. */
export type BootSource =
  | { kind: 'direct'; kernel: string; initrd: string; append: string }
  | { kind: 'ipxe'; tftpDir: string; bootfile: string };

/** A raw disk attached as virtio-blk. */
export interface VmDisk {
  file: string;
  serial?: string;
}

/** Everything a test can choose about one VM. */
export interface VmOptions {
  arch: GuestArch;
  boot: BootSource;
  serialLog: string;
  memoryMiB?: number;
  mac?: string;
  disks?: VmDisk[];
  smbios?: { serial?: string; uuid?: string };
  /** Host TCP ports on 127.0.0.1 forwarded to guest ports (user networking's hostfwd). */
  hostForwards?: Array<{ host: number; guest: number }>;
  /** A QMP socket to create (`-qmp unix:PATH,server=on,wait=off`). */
  qmpSocket?: string;
  /** false: a guest reboot resets the VM (firmware runs again) instead of ending QEMU. Default true. */
  noReboot?: boolean;
  extraArgs?: string[];
}

/** A running VM. */
export interface Vm {
  process: ChildProcess;
  serialLog: string;
  /** Resolves when QEMU exits by itself; kills it (and rejects) after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the serial log once `pattern` appears in it; rejects after `timeoutMs`. */
  waitForSerial(pattern: RegExp, timeoutMs: number): Promise<string>;
  readSerial(): Promise<string>;
  kill(): void;
}

const binaries: Record<GuestArch, { bin: string; pkg: string }> = {
  arm64: { bin: 'qemu-system-aarch64', pkg: 'qemu-system-arm' },
  amd64: { bin: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
};

/** The serial console device name the guest kernel should use. */
export function guestConsole(arch: GuestArch): string {
  return arch === 'arm64' ? 'ttyAMA0' : 'ttyS0';
}

/** Throws (naming the Debian package) unless the QEMU binary for `arch` is installed. */
export function requireQemu(arch: GuestArch): string {
  const { bin, pkg } = binaries[arch];
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${bin} not found: install the Debian package ${pkg}`);
  }
  return bin;
}

/** Where Debian's ipxe-qemu puts the iPXE ROM that QEMU loads for virtio-net-pci. */
export const ipxeVirtioRom = '/usr/lib/ipxe/qemu/efi-virtio.rom';

/** Throws (naming the Debian package) unless QEMU's iPXE ROM for virtio-net-pci is installed. */
export function requireIpxeRom(): string {
  if (!existsSync(ipxeVirtioRom)) throw new Error(`${ipxeVirtioRom} not found: install the Debian package ipxe-qemu`);
  return ipxeVirtioRom;
}

/** The QEMU command line for `opts` (pure, so it can be checked and logged). */
export function qemuArgs(opts: VmOptions): string[] {
  const args = ['-accel', 'tcg', '-m', String(opts.memoryMiB ?? 512), '-display', 'none', '-monitor', 'none', '-serial', `file:${opts.serialLog}`];
  if (opts.noReboot !== false) args.push('-no-reboot');
  if (opts.arch === 'arm64') args.push('-M', 'virt', '-cpu', 'cortex-a72');
  const fwd = (opts.hostForwards ?? []).map((f) => `,hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join('');
  const net = (opts.boot.kind === 'ipxe' ? `user,id=n0,tftp=${opts.boot.tftpDir},bootfile=${opts.boot.bootfile}` : 'user,id=n0') + fwd;
  if (opts.qmpSocket) args.push('-qmp', `unix:${opts.qmpSocket},server=on,wait=off`);
  args.push('-netdev', net, '-device', `virtio-net-pci,netdev=n0${opts.mac ? `,mac=${opts.mac}` : ''}`);
  if (opts.boot.kind === 'direct') args.push('-kernel', opts.boot.kernel, '-initrd', opts.boot.initrd, '-append', opts.boot.append);
  else args.push('-boot', 'n');
  (opts.disks ?? []).forEach((d, i) => {
    args.push('-drive', `file=${d.file},format=raw,if=none,id=d${i}`, '-device', `virtio-blk-pci,drive=d${i}${d.serial ? `,serial=${d.serial}` : ''}`);
  });
  if (opts.smbios) {
    const fields = Object.entries(opts.smbios).map(([k, v]) => `,${k}=${v}`).join('');
    args.push('-smbios', `type=1${fields}`);
  }
  return [...args, ...(opts.extraArgs ?? [])];
}

/** Starts a VM; the caller must wait for it or kill it. */
export async function startVm(opts: VmOptions): Promise<Vm> {
  const bin = requireQemu(opts.arch);
  await writeFile(opts.serialLog, '');
  const proc = spawn(bin, qemuArgs(opts), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const readSerial = () => readFile(opts.serialLog, 'utf8');
  const kill = () => void (proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL'));
  return {
    process: proc,
    serialLog: opts.serialLog,
    readSerial,
    kill,
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`qemu still running after ${timeoutMs} ms; serial log ${opts.serialLog}; stderr: ${stderr.trim()}`)), timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
        kill();
      }
    },
    async waitForSerial(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await readSerial();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`serial log never matched ${pattern}; see ${opts.serialLog}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}

/** Downloads `urls` (e.g. bootherd's /boot/<node>/<file> endpoint) into files, for a direct boot. */
export async function fetchBootFiles(urls: Record<string, string>, dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, url] of Object.entries(urls)) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`fetch ${url}: HTTP ${res.status}`);
    out[name] = `${dir}/${name}`;
    await writeFile(out[name]!, Buffer.from(await res.arrayBuffer()));
  }
  return out;
}
