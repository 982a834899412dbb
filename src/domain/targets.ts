// Boot targets (DESIGN §3): what a deployed node boots.
import { z } from 'zod';
import { absolutePath, cmdlineToken, nameSchema, partuuidSchema, serverAddress } from './values.js';

const diskName = z.string().regex(/^[A-Za-z0-9._:+@-]{1,200}$/, { message: 'must be a stable disk id the node reported: its serial, a /dev/disk/by-id or by-path name (no slashes, spaces or quotes)' });

/** Root over NFS (v3 by default: klibc's nfsmount rejects 4.x). Without `path`, bootherd makes the node's root from the image's `rootDir`; without `server`, the advertise address serves it. */
export const nfsRootTarget = z.strictObject({
  kind: z.literal('nfs-root'),
  image: nameSchema.optional(),
  server: serverAddress.optional(),
  path: absolutePath.optional(),
  options: cmdlineToken.default('vers=3'),
});

/** Kernel over TFTP, root on a local disk by PARTUUID. */
export const usbRootTarget = z.strictObject({
  kind: z.literal('usb-root'),
  image: nameSchema.optional(),
  partuuid: partuuidSchema.optional(),
});

/** bootherd steps aside: the bootloader falls through to its next boot-order entry. */
export const localTarget = z.strictObject({ kind: z.literal('local') });

/** What an install switches to once the image is written. */
export const thenTarget = z.discriminatedUnion('kind', [nfsRootTarget, usbRootTarget, localTarget]);

/** Write an image to a disk, then boot `then`: netboot once, no install loops. */
export const installTarget = z.strictObject({
  kind: z.literal('install'),
  image: nameSchema,
  disk: diskName,
  then: thenTarget,
});

/** Any target the API accepts. */
export const targetSchema = z.discriminatedUnion('kind', [nfsRootTarget, usbRootTarget, installTarget, localTarget]);

/** A validated boot target. */
export type Target = z.infer<typeof targetSchema>;
/** A target an install can end in. */
export type ThenTarget = z.infer<typeof thenTarget>;

/** An nfs-root target once bootherd completed it: server and path known. */
export type NfsRootTarget = z.infer<typeof nfsRootTarget>;

/** The root partition's PARTUUID among an installer's partitions: the ext4 one labelled `rootfs`, else the last ext4 one. */
export function installedRootPartuuid(partitions: Array<{ partuuid?: string | null; fstype?: string | null; label?: string | null }>): string | null {
  const roots = partitions.filter((p) => p.fstype === 'ext4' && p.partuuid && partuuidSchema.safeParse(p.partuuid).success);
  const root = roots.find((p) => p.label === 'rootfs') ?? roots[roots.length - 1];
  return root?.partuuid ? root.partuuid.toLowerCase() : null;
}
