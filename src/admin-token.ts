// The admin token: from the configuration, else `<data-dir>/admin-token`,
// generated (mode 0600) on first start. An existing file is never overwritten:
// one that cannot be read, or that is empty, stops bootherd with the fix.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from './errors.js';

/** The admin token and the file it lives in (null: from the configuration). */
export function adminTokenOf(config: { adminToken?: string; dataDir: string }): { token: string; file: string | null } {
  if (config.adminToken) return { token: config.adminToken, file: null };
  const file = path.join(config.dataDir, 'admin-token');
  const existing = readToken(file);
  if (existing !== null) return { token: existing, file };
  const token = randomBytes(24).toString('base64url');
  try {
    writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another bootherd starting on the same data dir wrote it first: use that one.
    if (code === 'EEXIST') return { token: readToken(file) ?? token, file };
    throw new AppError('admin-token', `admin token: cannot create ${file}: ${code ?? (err as Error).message}: make the data dir writable, or pass --admin-token (BOOTHERD_ADMIN_TOKEN)`);
  }
  return { token, file };
}

// The token in `file`; null if there is no such file.
function readToken(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new AppError('admin-token', `admin token: cannot read ${file}: ${code ?? (err as Error).message}: fix its permissions (bootherd does not overwrite it), or pass --admin-token (BOOTHERD_ADMIN_TOKEN)`);
  }
  const token = text.trim();
  if (!token) throw new AppError('admin-token', `admin token: ${file} is empty: put the admin token in it, or delete it to have a new one generated`);
  return token;
}
