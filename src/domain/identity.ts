// Node identity normalisation: Pi serials, MAC addresses, SMBIOS UUIDs, and the
// TFTP path prefixes the Pi bootloader derives from them (DESIGN §2).

const serialRe = /^(?:0x)?([0-9a-f]{8}|[0-9a-f]{16})$/;
const macHexRe = /^[0-9a-f]{12}$/;
const macSepRe = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/;
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Pi serial -> the 8 lowercase hex digits used as TFTP prefix; accepts the full 16-digit form. Null if not a serial. */
export function normalizeSerial(input: string): string | null {
  const m = serialRe.exec(input.trim().toLowerCase());
  if (!m?.[1]) return null;
  return m[1].slice(-8);
}

/**
 * MAC -> lowercase colon form; accepts colons or dashes (or 12 bare hex digits), any case. Null if not a MAC,
 * including surrounding whitespace: a MAC from the network is exact, so callers taking typed input trim it themselves.
 */
export function normalizeMac(input: string): string | null {
  const s = input.toLowerCase();
  if (macSepRe.test(s)) return s.replace(/-/g, ':');
  if (macHexRe.test(s)) return s.match(/../g)!.join(':');
  return null;
}

/** SMBIOS UUID -> lowercase canonical form. Null if not a UUID or the all-zero/all-f placeholder. */
export function normalizeUuid(input: string): string | null {
  const u = input.trim().toLowerCase();
  if (!uuidRe.test(u)) return null;
  if (/^[0-]+$/.test(u) || /^[f-]+$/.test(u)) return null;
  return u;
}

/** MAC (colon form) -> the dash form the Pi uses as TFTP prefix with TFTP_PREFIX=2. */
export function macToPrefix(mac: string): string {
  return mac.replace(/:/g, '-');
}

/** What a TFTP path's first segment says about the client. */
export type PathIdentity = { kind: 'serial'; serial: string; rest: string } | { kind: 'mac'; mac: string; rest: string } | { kind: 'none'; rest: string };

/** Splits `<8 hex>/file` or `aa-bb-cc-dd-ee-ff/file` into an identity and the rest of the path. */
export function parsePathIdentity(path: string): PathIdentity {
  const slash = path.indexOf('/');
  if (slash > 0) {
    const head = path.slice(0, slash);
    const rest = path.slice(slash + 1);
    if (/^[0-9a-f]{8}$/.test(head)) return { kind: 'serial', serial: head, rest };
    if (/^([0-9a-f]{2}-){5}[0-9a-f]{2}$/.test(head)) return { kind: 'mac', mac: head.replace(/-/g, ':'), rest };
  }
  return { kind: 'none', rest: path };
}
