// A plausible rack: distinct serials, MACs (Raspberry Pi and board vendors'
// prefixes), revisions, memory and disks; Pi 4s (some CM4), a few Pi 5s and
// x86 iPXE servers. Deterministic: the same count and seed give the same fleet.
import { createRng } from './clock.js';
import type { BoardKind, BoardSpec, Misbehaviour, SimDisk } from './types.js';

/** How many of each kind besides Pi 4s, and misbehaviours by board index. */
export interface FleetOptions {
  pi5?: number;
  x86?: number;
  seed?: number;
  misbehave?: (i: number, spec: BoardSpec) => Misbehaviour | undefined;
}

const pi4Revisions = [
  ['c03111', 'Raspberry Pi 4 Model B Rev 1.1'], ['c03112', 'Raspberry Pi 4 Model B Rev 1.2'], ['c03114', 'Raspberry Pi 4 Model B Rev 1.4'],
  ['d03114', 'Raspberry Pi 4 Model B Rev 1.4'], ['b03114', 'Raspberry Pi 4 Model B Rev 1.4'], ['c03141', 'Raspberry Pi Compute Module 4 Rev 1.1'],
] as const;
const pi5Revisions = [['d04170', 'Raspberry Pi 5 Model B Rev 1.0'], ['c04170', 'Raspberry Pi 5 Model B Rev 1.0']] as const;
const gib = 1024 ** 3;

/** The board address of index i: 127.20.x.y, never 127.0.0.1 (up to 62,500 boards). */
export function boardAddress(i: number): string {
  if (i < 0 || i >= 62_500) throw new RangeError('the simulator numbers at most 62,500 boards');
  return `127.20.${Math.floor(i / 250)}.${2 + (i % 250)}`;
}

const hex = (n: number, digits: number) => (n >>> 0).toString(16).padStart(digits, '0').slice(-digits);
const mac = (oui: string, n: number) => `${oui}:${hex(n >> 16, 2)}:${hex(n >> 8, 2)}:${hex(n, 2)}`;

/** Makes `n` boards: Pi 4s first, then Pi 5s, then x86, spread over the list. */
export function makeFleet(n: number, opts: FleetOptions = {}): BoardSpec[] {
  const seed = opts.seed ?? 1;
  const rng = createRng(seed);
  const kinds: BoardKind[] = Array.from({ length: n }, () => 'pi4');
  // Spread the other kinds evenly, so any prefix of the fleet has some of each.
  const place = (count: number, kind: BoardKind, offset: number) => {
    for (let k = 0; k < Math.min(count, n); k++) kinds[Math.floor(((k + offset) * n) / Math.max(1, count)) % n] = kind;
  };
  place(opts.pi5 ?? 0, 'pi5', 0.5);
  place(opts.x86 ?? 0, 'x86', 0.25);
  return kinds.map((kind, i) => {
    const spec = boardSpec(kind, i, seed, rng);
    const m = opts.misbehave?.(i, spec);
    return m ? { ...spec, misbehave: m } : spec;
  });
}

function boardSpec(kind: BoardKind, i: number, seed: number, rng: () => number): BoardSpec {
  // Multiplying by an odd constant is a bijection modulo 2^n: distinct ids, serials and MACs for every index.
  const k = i + 1 + seed * 65537;
  const id = (Math.imul(k, 0x9e3779b1) >>> 0) & 0xffffff;
  const base = { name: `${kind}-${String(i).padStart(4, '0')}`, kind, address: boardAddress(i), seed: seed * 1_000_003 + i };
  if (kind === 'x86') {
    const uuid = `4c4c4544-${hex(id >> 8, 4)}-${hex(id, 4)}-8050-${hex(id * 31, 6)}${hex(i, 6)}`;
    return {
      ...base, mac: mac('3c:ec:ef', id), uuid, systemSerial: `S${hex(id, 6).toUpperCase()}`, model: 'Supermicro SYS-5019C-MR', cpus: 8, memoryBytes: 32 * gib,
      extraNics: [{ name: 'eth1', mac: mac('3c:ec:ef', id ^ 0x800000) }],
      disks: [disk('nvme0n1', 512e9, 'SAMSUNG MZVL2512HCJQ', `S${hex(id, 8)}`, 'nvme', false)],
    };
  }
  const serial = hex(Math.imul(k, 0x85ebca6b) ^ 0x5bd1e995, 8);
  const [revision, model] = kind === 'pi5' ? pi5Revisions[i % pi5Revisions.length]! : pi4Revisions[i % pi4Revisions.length]!;
  const memCode = (parseInt(revision, 16) >> 20) & 7;
  const disks: SimDisk[] = [];
  const r = rng();
  if (r < 0.5) disks.push(disk('sda', 120e9, 'Extreme SSD', `3535${hex(id, 8)}`, 'usb', true, true));
  else if (r < 0.75 && kind === 'pi5') disks.push(disk('nvme0n1', 256e9, 'WD PC SN740', `23${hex(id, 8)}`, 'nvme', false));
  else if (r < 0.85) disks.push(disk('mmcblk0', 32e9, 'SC32G', hex(id, 8), 'mmc', false));
  return { ...base, mac: mac(kind === 'pi5' ? '2c:cf:67' : i % 2 ? 'e4:5f:01' : 'dc:a6:32', id), serial, revision, model, cpus: 4, memoryBytes: 256 * 1024 * 1024 * 2 ** memCode, disks };
}

// A disk; `withRoot` gives it a Raspberry Pi OS layout already (bootfs + rootfs).
function disk(name: string, size: number, model: string, serial: string, transport: SimDisk['transport'], removable: boolean, withRoot = false): SimDisk {
  const id = serial.slice(-8).toLowerCase().replace(/[^0-9a-f]/g, 'a');
  const sep = /\d$/.test(name) ? 'p' : '';
  const partitions: SimDisk['partitions'] = withRoot
    ? [
        { name: `${name}${sep}1`, number: 1, partuuid: `${id}-01`, fstype: 'vfat', label: 'bootfs', sizeBytes: 512 * 1024 * 1024 },
        { name: `${name}${sep}2`, number: 2, partuuid: `${id}-02`, fstype: 'ext4', label: 'rootfs', sizeBytes: Math.round(size) - 513 * 1024 * 1024 },
      ]
    : [];
  return { name, sizeBytes: Math.round(size), model, serial, transport, removable, partitions, bootable: false };
}
