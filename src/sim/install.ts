// The agent's install (discovery-image/lib/actions.sh do_install): find the
// disk by name or serial, stream the image, report progress every few
// seconds, verify its sha256, then report the partitions the image brought.
// Every board written from one image gets the same PARTUUIDs, as with dd.
import { createHash } from 'node:crypto';
import type { BoardHttp } from './http-client.js';
import { inventoryDisk } from './inventory.js';
import type { BoardContext, SimDisk, SimPartition } from './types.js';

type Report = (body: Record<string, unknown>, tries: number) => Promise<boolean>;

/** Carries out an `install` action; reports success or failure through `report`. */
export async function installImage(ctx: BoardContext, http: BoardHttp, a: Record<string, unknown>, report: Report): Promise<void> {
  const url = typeof a.imageUrl === 'string' ? a.imageUrl : '';
  const sha = typeof a.sha256 === 'string' ? a.sha256.toLowerCase() : '';
  const failed = (message: string) => report({ kind: 'install-failed', message }, 10).then(() => ctx.record('install-failed', { message }));
  if (!/^https?:\/\/\S+$/.test(url)) return failed('bad imageUrl');
  if (!/^[0-9a-f]{64}$/.test(sha)) return failed('bad sha256');
  const disk = resolveDisk(ctx.spec.disks, typeof a.disk === 'string' ? a.disk : '');
  if (!disk) return failed(`no disk '${String(a.disk)}'`);
  ctx.record('install', { disk: disk.name, url });
  const hash = createHash('sha256');
  let written = 0;
  const progress = setInterval(() => void report({ kind: 'install-progress', bytes: written }, 1), ctx.clock.scaled(ctx.timings.installProgressMs));
  let status = 0;
  try {
    status = (await http.download(url, (chunk) => {
      hash.update(chunk);
      written += chunk.length;
    })).status;
  } catch (err) {
    if (ctx.signal.aborted) throw err;
  } finally {
    clearInterval(progress);
  }
  await report({ kind: 'install-progress', bytes: written }, 1);
  if (status !== 200) return failed('download failed');
  const got = hash.digest('hex');
  if (got !== sha) return failed(`sha256 mismatch: got ${got}`);
  if (disk.sizeBytes < written) return failed(`disk ${disk.name} is smaller than the image`);
  disk.partitions = imagePartitions(disk, sha, written);
  disk.bootable = true;
  const ok = await report({ kind: 'install-succeeded', disk: disk.name, bytes: written, sha256: sha, partitions: inventoryDisk(disk).partitions }, 10);
  ctx.record(ok ? 'installed' : 'install-unreported', { disk: disk.name, bytes: written });
}

/** A disk given as sda, /dev/sda or a by-id name containing its serial. */
export function resolveDisk(disks: SimDisk[], name: string): SimDisk | null {
  const n = name.replace(/^\/dev\//, '').replace(/^disk\/by-id\//, '');
  return disks.find((d) => d.name === n) ?? disks.find((d) => d.serial && n.includes(d.serial)) ?? null;
}

// A Raspberry Pi OS style image: bootfs (vfat) and rootfs (ext4), the disk identifier from the image.
function imagePartitions(disk: SimDisk, sha: string, bytes: number): SimPartition[] {
  const id = sha.slice(0, 8);
  const sep = /\d$/.test(disk.name) ? 'p' : '';
  return [
    { name: `${disk.name}${sep}1`, number: 1, partuuid: `${id}-01`, fstype: 'vfat', label: 'bootfs', sizeBytes: 512 * 1024 * 1024 },
    { name: `${disk.name}${sep}2`, number: 2, partuuid: `${id}-02`, fstype: 'ext4', label: 'rootfs', sizeBytes: Math.max(bytes, disk.sizeBytes - 513 * 1024 * 1024) },
  ];
}
