// Path confinement for RRQ file names: the handler only ever sees relative,
// normalised paths without traversal.

/** Longest accepted path, in UTF-8 bytes. */
export const maxPathBytes = 255;

/**
 * Validates and normalises a requested path; null means refused (ERROR 2).
 * Refused: empty, over 255 bytes, a leading '/', a backslash, NUL or other
 * control characters, and any '..' segment. Empty and '.' segments are dropped,
 * so 'a//./b' becomes 'a/b'.
 */
export function validateTftpPath(path: string): string | null {
  if (path === '' || Buffer.byteLength(path, 'utf8') > maxPathBytes) return null;
  if (path.startsWith('/') || path.includes('\\')) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return null;
  const segments = path.split('/');
  if (segments.includes('..')) return null;
  const kept = segments.filter((s) => s !== '' && s !== '.');
  return kept.length > 0 ? kept.join('/') : null;
}
