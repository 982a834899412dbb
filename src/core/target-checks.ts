// Checks an assignment must pass before anything changes: the plan can serve
// a kernel, and an install names a disk the node reported by a stable id.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../errors.js';
import { defaultKernel, discoveryArch } from '../domain/boot-plan.js';
import type { Disk } from '../domain/inventory.js';
import type { Node } from '../domain/node.js';
import type { Target } from '../domain/targets.js';
import type { Store } from '../store/store.js';

const bad = (field: string, message: string) => new ValidationError(`${field}: ${message}`, [{ path: field, message }]);

/** Refuses a target whose boot plan can serve no kernel (no image boot files, nothing in the firmware dir), saying how to fix it. */
export async function checkKernel(store: Store, dirs0: { firmwareDir: string; assetsDir?: string }, node: Node, target: Target, field = 'target'): Promise<void> {
  // After an install, `then` boots the installed image unless it names another.
  const t = target.kind === 'install' ? (target.then.kind === 'local' ? target.then : { ...target.then, image: target.then.image ?? target.image }) : target;
  if (t.kind === 'local') return;
  const firmwareDir = dirs0.firmwareDir;
  const image = t.image ? await store.getImage(t.image) : null;
  const names = image?.kernel ? [image.kernel] : [defaultKernel(node.hardware.family), 'vmlinuz'];
  const dirs = [image?.bootDir, firmwareDir].filter((d): d is string => Boolean(d));
  if (dirs.some((d) => names.some((n) => existsSync(path.join(d, n))))) return;
  // iPXE boards mount an NFS root from the discovery image's nfs-root mode, with its kernel.
  const discovery = dirs0.assetsDir ? path.join(dirs0.assetsDir, 'discovery', discoveryArch(node.hardware.arch), 'vmlinuz') : null;
  if (t.kind === 'nfs-root' && !image?.initramfs && discovery && existsSync(discovery)) return;
  const where = image ? `neither image '${image.name}'${image.bootDir ? ` (bootDir ${image.bootDir})` : ' (no bootDir)'} nor the firmware dir ${firmwareDir} holds` : `no image is named and the firmware dir ${firmwareDir} holds no`;
  throw bad(`${field}.image`, `no kernel to boot: ${where} ${names.join(' or ')}; import an OS image (bootherd images import NAME FILE.img.xz) and name it in the target, or put ${names[0]} into the firmware dir`);
}

/** The stable names a reported disk can be given by: its serial and any by-id / by-path names the inventory carried. */
export function stableIds(d: Disk): string[] {
  const extra = d as Disk & { byId?: unknown; byPath?: unknown };
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x.length > 0);
  return [...(d.serial ? [d.serial] : []), ...list(extra.byId), ...list(extra.byPath)];
}

/** Refuses an install disk that is not one the node reported, by a stable id (serial, by-id or by-path name containing it); never a bare kernel name. */
export function checkInstallDisk(node: Node, target: Target): void {
  if (target.kind !== 'install') return;
  const disks = node.hardware.disks;
  const ids = disks.flatMap((d) => stableIds(d));
  const match = disks.find((d) => stableIds(d).some((id) => target.disk === id || (d.serial && target.disk.includes(d.serial) && target.disk.length > d.serial.length)));
  if (match) return;
  const known = ids.length ? `reported: ${ids.join(', ')}` : 'the node reported no disk with a serial';
  const named = disks.find((d) => d.name === target.disk);
  const why = named ? `'${target.disk}' is a kernel name that may move between boots; name it by its serial${named.serial ? ` '${named.serial}'` : ''}` : `'${target.disk}' is not a disk this node reported`;
  throw bad('target.disk', `${why} (${known})`);
}
