// Images: what a target boots (boot files on the bootherd host), the golden
// root an NFS root is made from, and what an install writes (a disk image by
// URL or path, with its sha256 and size).
import { z } from 'zod';
import { absolutePath, cmdlineToken, nameSchema, sha256Schema } from './values.js';

const fileName = z.string().regex(/^[A-Za-z0-9._-][A-Za-z0-9._/-]{0,127}$/, { message: 'must be a relative file name (letters, digits, . _ - /)' }).refine((s) => !s.split('/').includes('..'), { message: 'must not contain .. segments' });
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).max(2048).refine((s) => !/[\s"'<>\\]/.test(s), { message: 'must not contain spaces, quotes or backslashes' });

/** The architectures an image can be built for. */
export const imageArches = ['arm64', 'armhf', 'amd64'] as const;
/** One image architecture. */
export type ImageArch = (typeof imageArches)[number];

/** How a disk image file is compressed; installs decompress while streaming. */
export const compressions = ['none', 'gzip', 'xz'] as const;

/** An install's disk image: `url` (served as is) or `path` (a file on the bootherd host, served by bootherd). `sha256` is the file's; `sizeBytes` the written (uncompressed) size. */
export const diskSchema = z
  .strictObject({
    url: httpUrl.optional(),
    path: absolutePath.optional(),
    sha256: sha256Schema,
    sizeBytes: z.number().int().positive().optional(),
    compression: z.enum(compressions).default('none'),
  })
  .refine((d) => (d.url === undefined) !== (d.path === undefined), { message: 'give exactly one of url or path' })
  .refine((d) => d.compression === 'none' || d.sizeBytes !== undefined, { message: 'sizeBytes (the uncompressed size) is required for a compressed image, so a disk too small is refused before anything is written', path: ['sizeBytes'] });

/** A disk image as stored. */
export type DiskImage = z.infer<typeof diskSchema>;

/** An image as the API takes it. */
export const imageInputSchema = z.strictObject({
  description: z.string().max(500).optional(),
  arch: z.enum(imageArches).optional(),
  bootDir: absolutePath.optional(),
  kernel: fileName.optional(),
  initramfs: fileName.optional(),
  cmdline: z.array(cmdlineToken).max(64).default([]),
  rootDir: absolutePath.refine((p) => p.replace(/\/+$/, '') !== '', { message: 'must not be / (the host\'s own root)' }).optional(),
  disk: diskSchema.optional(),
});

/** A validated image input. */
export type ImageInput = z.infer<typeof imageInputSchema>;
/** A stored image. */
export type Image = ImageInput & { name: string; createdAt: string; updatedAt: string };

export { nameSchema as imageNameSchema };

/**
 * The image architectures a machine runs, from its arch as `uname -m` or iPXE names it; null when unknown.
 * A 64-bit Pi also runs 32-bit (armhf) Raspberry Pi OS.
 */
export function imageArchesFor(machineArch: string | null): ImageArch[] | null {
  if (!machineArch) return null;
  const a = machineArch.toLowerCase();
  if (a === 'aarch64' || a === 'arm64') return ['arm64', 'armhf'];
  if (/^armv[678]/.test(a) || a === 'armhf') return ['armhf'];
  if (a === 'x86_64' || a === 'amd64') return ['amd64'];
  return [];
}
