// Raspberry Pi revision-code decoding (new-style codes, bit 23 set), as
// documented in the Raspberry Pi hardware docs and shared/PI-NETBOOT.md.

/** What a revision code says about a board. */
export interface PiRevision {
  revision: string;
  model: string;
  family: 'pi0' | 'pi1' | 'pi2' | 'pi3' | 'pi4' | 'pi5' | 'unknown';
  memoryBytes: number;
  soc: string;
}

const types: Record<number, [string, PiRevision['family']]> = {
  0x00: ['Model A', 'pi1'], 0x01: ['Model B', 'pi1'], 0x02: ['Model A+', 'pi1'], 0x03: ['Model B+', 'pi1'],
  0x04: ['2 Model B', 'pi2'], 0x06: ['Compute Module 1', 'pi1'], 0x08: ['3 Model B', 'pi3'], 0x09: ['Zero', 'pi0'],
  0x0a: ['Compute Module 3', 'pi3'], 0x0c: ['Zero W', 'pi0'], 0x0d: ['3 Model B+', 'pi3'], 0x0e: ['3 Model A+', 'pi3'],
  0x10: ['Compute Module 3+', 'pi3'], 0x11: ['4 Model B', 'pi4'], 0x12: ['Zero 2 W', 'pi3'], 0x13: ['400', 'pi4'],
  0x14: ['Compute Module 4', 'pi4'], 0x15: ['Compute Module 4S', 'pi4'], 0x17: ['5 Model B', 'pi5'], 0x18: ['Compute Module 5', 'pi5'],
  0x19: ['500', 'pi5'], 0x1a: ['Compute Module 5 Lite', 'pi5'],
};
const socs = ['BCM2835', 'BCM2836', 'BCM2837', 'BCM2711', 'BCM2712'];
const mib = 1024 * 1024;

/** Decodes a new-style revision code such as `c03111`; null for old-style or malformed codes. */
export function decodeRevision(code: string): PiRevision | null {
  const hex = code.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{1,8}$/.test(hex)) return null;
  const n = parseInt(hex, 16);
  if (!(n & (1 << 23))) return null;
  const memCode = (n >> 20) & 7;
  const socCode = (n >> 12) & 0xf;
  const type = types[(n >> 4) & 0xff];
  if (memCode > 6) return null;
  return {
    revision: hex,
    model: type ? `Raspberry Pi ${type[0]}` : `Raspberry Pi (type 0x${((n >> 4) & 0xff).toString(16)})`,
    family: type ? type[1] : 'unknown',
    memoryBytes: 256 * mib * 2 ** memCode,
    soc: socs[socCode] ?? `unknown (${socCode})`,
  };
}
