// A small OS disk image built the way Raspberry Pi OS's is laid out: an MBR
// with a FAT boot partition (config.txt, a kernel, overlays/) and an ext4
// root (populated with mkfs.ext4 -d), made with sfdisk, mkfs.vfat, mtools and
// mkfs.ext4 on a plain file. No loop device, no mount.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What the image holds, for assertions. */
export const osImage = {
  bootFiles: { 'config.txt': 'arm_64bit=1\nkernel=kernel8.img\n', 'kernel8.img': 'an arm64 kernel\n', 'cmdline.txt': 'console=serial0,115200 root=PARTUUID=1234abcd-02 rootwait\n', 'overlays/disable-bt.dtbo': 'overlay\n' },
  rootFiles: { 'etc/motd': 'hello from the golden root\n', 'etc/hostname': 'raspberrypi\n', 'home/pi/.profile': '# profile\n' },
  sizeBytes: 64 * 1024 * 1024,
};

/** A 64-byte ELF header for `machine` (0xb7 aarch64, 0x3e x86-64). */
function elfHeader(machine: number): Buffer {
  const b = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(b);
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(machine, 18);
  return b;
}

const tool = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });

/** Writes the image to `file`, using `work` for its trees. */
export async function buildOsImage(file: string, work: string): Promise<void> {
  const boot = path.join(work, 'boot-src');
  const root = path.join(work, 'root-src');
  for (const [rel, data] of Object.entries(osImage.bootFiles)) {
    await mkdir(path.dirname(path.join(boot, rel)), { recursive: true });
    await writeFile(path.join(boot, rel), data);
  }
  for (const [rel, data] of Object.entries(osImage.rootFiles)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), data);
  }
  await mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await writeFile(path.join(root, 'usr/bin/dash'), elfHeader(0xb7));
  await chmod(path.join(root, 'usr/bin/dash'), 0o755);
  await symlink('dash', path.join(root, 'usr/bin/sh'));
  await symlink('usr/bin', path.join(root, 'bin'));
  tool('truncate', ['-s', String(osImage.sizeBytes), file]);
  tool('sfdisk', ['-q', file], 'label: dos\nlabel-id: 0x1234abcd\nstart=2048, size=32768, type=c\nstart=34816, type=83\n');
  tool('mkfs.vfat', ['--offset', '2048', '-n', 'BOOT', file, '16384']);
  const img = `${file}@@${2048 * 512}`;
  tool('mmd', ['-i', img, '::overlays']);
  for (const rel of Object.keys(osImage.bootFiles)) tool('mcopy', ['-i', img, path.join(boot, rel), `::${rel}`]);
  tool('mkfs.ext4', ['-q', '-F', '-E', `offset=${34816 * 512}`, '-d', root, file, `${96256 / 2}k`]);
}
