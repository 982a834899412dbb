// What a Raspberry Pi says about itself in DHCP (shared/PI-NETBOOT.md): the
// Pi 4/5 bootloader's option 97 and, for boards without it, the Raspberry Pi
// MAC prefixes.
import { decodeRevision, type PiRevision } from './revision.js';

/** A decoded Pi 4/5 option 97. */
export interface PiMachineId {
  fourcc: 'RPi4' | 'RPi5';
  /** The board revision code, lowercase hex without leading zeros (a03111). */
  revision: string;
  decoded: PiRevision;
  /** The low 4 bytes of the board's MAC, colon-separated, in wire order. */
  macLow: string;
  /** The serial as the bootloader's TFTP prefix: 8 lowercase hex digits. */
  serial: string;
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0'));
const le32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/**
 * Decodes option 97 as a Pi 4/5 sends it: type byte 00, FourCC "RPi4"/"RPi5",
 * revision (LE32), low 4 MAC bytes, serial (LE32); 17 bytes. Null for anything
 * else: a PC's GUID, a wrong length, a revision that is no Pi's, a zero serial.
 */
export function decodePiMachineId(v: Uint8Array): PiMachineId | null {
  if (v.length !== 17 || v[0] !== 0) return null;
  const fourcc = String.fromCharCode(v[1]!, v[2]!, v[3]!, v[4]!);
  if (fourcc !== 'RPi4' && fourcc !== 'RPi5') return null;
  const revision = le32(v, 5).toString(16);
  const decoded = decodeRevision(revision);
  if (!decoded || decoded.family !== (fourcc === 'RPi4' ? 'pi4' : 'pi5')) return null;
  const serialWord = le32(v, 13);
  if (serialWord === 0 || serialWord === 0xffffffff) return null;
  return { fourcc, revision, decoded, macLow: hex(v.subarray(9, 13)).join(':'), serial: serialWord.toString(16).padStart(8, '0') };
}

/** True when option 97 claims to come from a Pi (its FourCC), valid or not. */
export function claimsPi(v: Uint8Array | null): boolean {
  return v !== null && v.length >= 5 && v[0] === 0 && v[1] === 0x52 && v[2] === 0x50 && v[3] === 0x69 && (v[4] === 0x34 || v[4] === 0x35);
}

/** Raspberry Pi MAC prefixes, for boards that send no option 97 (Pi 3); such lists go stale. */
export const piOuis: readonly string[] = ['b8:27:eb', 'dc:a6:32', 'e4:5f:01', 'd8:3a:dd', '2c:cf:67', '28:cd:c1'];

/** True when a MAC (lowercase colon form) carries a Raspberry Pi prefix. */
export function hasPiOui(mac: string): boolean {
  return piOuis.includes(mac.slice(0, 8));
}
