// OpenSSH public-key lines (`rescue.authorizedKeys`): the only keys the rescue
// system's SSH server accepts. Checked strictly: one key per line, a known
// type whose base64 blob names the same type, no options, no line breaks.
import { z } from 'zod';

const keyTypes = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com'];

/** Why `line` is not an OpenSSH public key line, or null if it is one. */
export function publicKeyProblem(line: string): string | null {
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: ([\x20-\x7e]{0,200}))?$/.exec(line);
  if (!m) return 'expected "TYPE BASE64 [comment]" on one line (no options, no line breaks)';
  if (!keyTypes.includes(m[1]!)) return `unknown key type '${m[1]}' (known: ${keyTypes.join(', ')})`;
  const blob = Buffer.from(m[2]!, 'base64');
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len <= 0 || blob.length < 4 + len || blob.subarray(4, 4 + len).toString('latin1') !== m[1]) return `the key data does not start with its type '${m[1]}'`;
  return null;
}

/** One OpenSSH public key line. */
export const publicKeySchema = z.string().trim().superRefine((line, ctx) => {
  const problem = publicKeyProblem(line);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
