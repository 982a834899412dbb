// Fake /proc, /sys and /dev trees for running the agent on the host
// (BOOTHERD_ROOT), shaped like a Raspberry Pi 4 and like an x86 server.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fsMagic, gptPatches, mbrPatches, writeImage } from './disk-images.js';

/** File contents by path below the root; `{ link }` makes a symlink. */
export type Tree = Record<string, string | Buffer | { link: string }>;

/** Writes `tree` below `root`. */
export async function writeTree(root: string, tree: Tree): Promise<void> {
  for (const [rel, content] of Object.entries(tree)) {
    const full = path.join(root, rel);
    await mkdir(path.dirname(full), { recursive: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) await symlink(content.link, full);
    else await writeFile(full, content);
  }
}

const usbDev = 'sys/devices/platform/scb/fd500000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0/usb2/2-1';
const usbDisk = `${usbDev}/2-1:1.0/host0/target0:0:0/0:0:0:0`;
const nvmeDisk = 'sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0';

/** A Pi 4 with a USB stick (MBR) and an NVMe disk (GPT); the USB model has quotes and a backslash. */
export function piTree(serialSource: 'cpuinfo' | 'devicetree'): Tree {
  const cpu = [0, 1, 2, 3].map((n) => `processor\t: ${n}\nBogoMIPS\t: 108.00\n`).join('\n');
  const piFields = 'Hardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 10000000A1B2C3D4\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n';
  return {
    'proc/cpuinfo': `${cpu}\n${serialSource === 'cpuinfo' ? piFields : ''}`,
    ...(serialSource === 'devicetree'
      ? { 'sys/firmware/devicetree/base/serial-number': '10000000e5f6a7b8\0', 'sys/firmware/devicetree/base/model': 'Raspberry Pi 4 Model B Rev 1.4\0' }
      : {}),
    'proc/meminfo': 'MemTotal:        3884136 kB\nMemFree:         3000000 kB\n',
    'proc/sys/kernel/osrelease': '6.1.0-50-arm64\n',
    'proc/cmdline': 'console=ttyS0 bootherd.url=http://127.0.0.1:9/ bootherd.mode=discovery\n',
    'proc/device-tree/chosen/bootloader/boot-mode': Buffer.from([0, 0, 0, 2]),
    'run/bootherd/booted': 'eth0\n',
    ...nic('lo', '00:00:00:00:00:00', '772'),
    ...nic('eth0', 'DC:A6:32:01:36:C2', '1'),
    ...nic('wlan0', 'dc:a6:32:01:36:c3', '1'),
    [`${usbDev}/idVendor`]: '0781\n',
    [`${usbDev}/serial`]: '4C530001230915117295\n',
    [`${usbDisk}/model`]: 'Ultra "Fit\\ \n',
    [`${usbDisk}/block/sda/size`]: '62533296\n',
    [`${usbDisk}/block/sda/removable`]: '1\n',
    [`${usbDisk}/block/sda/queue/logical_block_size`]: '512\n',
    [`${usbDisk}/block/sda/device`]: { link: '../../../0:0:0:0' },
    ...part(`${usbDisk}/block/sda`, 'sda1', 1, 524288),
    ...part(`${usbDisk}/block/sda`, 'sda2', 2, 61999104),
    'sys/block/sda': { link: `../../${usbDisk}/block/sda` },
    [`${nvmeDisk}/model`]: 'Samsung SSD 980 500GB\n',
    [`${nvmeDisk}/serial`]: 'S64DNX0R123456\n',
    [`${nvmeDisk}/nvme0n1/size`]: '976773168\n',
    [`${nvmeDisk}/nvme0n1/removable`]: '0\n',
    [`${nvmeDisk}/nvme0n1/queue/logical_block_size`]: '512\n',
    [`${nvmeDisk}/nvme0n1/device`]: { link: '../../nvme0' },
    ...part(`${nvmeDisk}/nvme0n1`, 'nvme0n1p1', 1, 2048),
    'sys/block/nvme0n1': { link: `../../${nvmeDisk}/nvme0n1` },
    'sys/devices/virtual/block/loop0/size': '1024\n',
    'sys/block/loop0': { link: '../devices/virtual/block/loop0' },
  };
}

/** An x86 box: SMBIOS serial and uuid, no Pi serial, one virtio disk without a table. */
export function x86Tree(): Tree {
  const vda = 'sys/devices/pci0000:00/0000:00:05.0/virtio2/block/vda';
  return {
    'proc/cpuinfo': 'processor\t: 0\nmodel name\t: QEMU Virtual CPU\n\nprocessor\t: 1\nmodel name\t: QEMU Virtual CPU\n',
    'proc/meminfo': 'MemTotal:        1000000 kB\n',
    'proc/sys/kernel/osrelease': '6.1.0-50-amd64\n',
    'sys/class/dmi/id/product_serial': 'SRV-0042\n',
    'sys/class/dmi/id/product_uuid': 'AB12CD34-0000-4000-8000-0123456789AB\n',
    'sys/class/dmi/id/product_name': 'Standard PC (i440FX + PIIX, 1996)\n',
    ...nic('ens3', '52:54:00:AA:BB:CC', '1'),
    [`${vda}/size`]: '2048\n',
    [`${vda}/removable`]: '0\n',
    [`${vda}/serial`]: 'VIRTIO-1\n',
    'sys/block/vda': { link: `../${vda.replace(/^sys\//, '')}` },
  };
}

function nic(name: string, mac: string, type: string): Tree {
  return { [`sys/class/net/${name}/address`]: mac + '\n', [`sys/class/net/${name}/type`]: type + '\n' };
}

function part(diskDir: string, name: string, num: number, sectors: number): Tree {
  return { [`${diskDir}/${name}/partition`]: `${num}\n`, [`${diskDir}/${name}/size`]: `${sectors}\n` };
}

/** Writes the /dev files the Pi tree's disks need: tables on the disks, magic on the partitions. */
export async function writePiDevices(root: string): Promise<void> {
  await mkdir(path.join(root, 'dev'), { recursive: true });
  await writeImage(path.join(root, 'dev/sda'), 1 << 20, mbrPatches(0xc1f95d14, [{ start: 2048, sectors: 524288 }, { start: 526336, sectors: 61999104 }]));
  await writeImage(path.join(root, 'dev/sda1'), 1 << 16, fsMagic('vfat'));
  await writeImage(path.join(root, 'dev/sda2'), 1 << 16, fsMagic('ext4'));
  const guid = '8a3e1c2d-5b6f-4a7e-9c0d-112233445566';
  await writeImage(path.join(root, 'dev/nvme0n1'), 1 << 20, gptPatches(2048, '11111111-2222-3333-4444-555555555555', [{ start: 34, sectors: 1000, guid }]));
  await writeImage(path.join(root, 'dev/nvme0n1p1'), 1 << 17, fsMagic('xfs'));
}
