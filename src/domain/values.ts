// Value schemas for anything that ends up in a kernel command line, a
// config.txt line or an iPXE script line: they must not carry whitespace,
// quotes or line breaks that would inject extra arguments or lines.
import { z } from 'zod';

const labelRe = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** True if `s` is an RFC 1123 host name (case-insensitive, at most 253 characters). */
export function isHostname(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.toLowerCase().split('.').every((l) => labelRe.test(l));
}

/** RFC 1123 host name, stored in lower case. */
export const hostnameSchema = z
  .string()
  .refine(isHostname, { message: 'not an RFC 1123 host name (letters, digits, hyphens; labels of 1-63 characters)' })
  .transform((s) => s.toLowerCase());

/** One kernel-command-line-safe token: no whitespace, quotes, backslashes or shell/iPXE expansion characters. */
export const cmdlineToken = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._:/,=@+%~-]+$/, { message: 'must be one kernel command-line token: letters, digits and . _ : / , = @ + % ~ - only (no spaces, quotes or line breaks)' });

/** An absolute path that is safe on a kernel command line. */
export const absolutePath = cmdlineToken.refine((s) => s.startsWith('/') && !s.split('/').includes('..'), {
  message: 'must be an absolute path without .. segments',
});

/** An IPv4 address or host name (no port). */
export const serverAddress = z.string().refine((s) => /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) ? s.split('.').every((o) => Number(o) <= 255) : isHostname(s), {
  message: 'must be an IPv4 address or a host name',
});

/** Names of images, rules and similar operator-chosen identifiers. */
export const nameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, { message: 'must be 1-63 lowercase letters, digits, . _ - (starting with a letter or digit)' });

/** Label keys and values (kept short and printable; they may land in templates). */
export const labelsSchema = z.record(
  z.string().regex(/^[A-Za-z0-9._/-]{1,63}$/, { message: 'label keys: 1-63 of letters, digits, . _ / -' }),
  z.string().regex(/^[A-Za-z0-9._:/=@+-]{0,63}$/, { message: 'label values: up to 63 of letters, digits, . _ : / = @ + -' }),
);

/** An MBR (`xxxxxxxx-NN`) or GPT partition UUID. */
export const partuuidSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(/^([0-9a-f]{8}-[0-9a-f]{2}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, { message: 'must be a PARTUUID: xxxxxxxx-NN (MBR) or a GPT UUID' }));

/** A sha256 as 64 hex digits. */
export const sha256Schema = z.string().regex(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex digits' }).transform((s) => s.toLowerCase());
