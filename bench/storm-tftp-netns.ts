// Runs the storm's TFTP part in a network namespace of its own (a random
// name, removed afterwards), so dnsmasq can have port 69 on its own loopback
// whatever else this machine runs; in place when namespaces are not at hand.
// As a program: `node storm-tftp-netns.js N LINK TIMESCALE DEADLINE_MS SIZES [ROWS [ADMISSION_JSON]]` runs the part here.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { realisticSizes, smallSizes } from '../src/sim/index.js';
import { tftpPart, tftpRows, type TftpRow } from './storm-tftp.js';

interface PartOptions {
  link: number;
  timeScale: number;
  deadlineMs: number;
  sizes: 'small' | 'realistic';
  rows?: readonly TftpRow[];
  admission?: Record<string, unknown>;
}

/** The TFTP part for N boards, in a fresh namespace when `ip netns` works here. */
export async function tftpPartIsolated(n: number, o: PartOptions): Promise<void> {
  const ns = `bootherd-storm-${randomBytes(4).toString('hex')}`;
  const ip = (...args: string[]) => spawnSync('ip', args, { stdio: 'ignore' }).status === 0;
  if (!ip('netns', 'add', ns)) {
    console.log('  (no network namespace here: the TFTP part runs on the host loopback)');
    return tftpPart(n, { link: { bytesPerSecond: o.link }, timeScale: o.timeScale, deadlineMs: o.deadlineMs, sizes: o.sizes === 'small' ? smallSizes : realisticSizes, rows: o.rows, admission: o.admission });
  }
  try {
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    const self = fileURLToPath(import.meta.url);
    const args = [String(n), String(o.link), String(o.timeScale), String(o.deadlineMs), o.sizes, (o.rows ?? tftpRows).join(','), JSON.stringify(o.admission ?? {})];
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, self, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) console.log(`  tftp part exited with ${code}`);
  } finally {
    ip('netns', 'delete', ns);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.length >= 7) {
  const [n, link, timeScale, deadlineMs, sizes, rows, admission] = process.argv.slice(2);
  const picked = rows ? (rows.split(',').filter((r) => (tftpRows as readonly string[]).includes(r)) as TftpRow[]) : undefined;
  await tftpPart(Number(n), { link: { bytesPerSecond: Number(link) }, timeScale: Number(timeScale), deadlineMs: Number(deadlineMs), sizes: sizes === 'small' ? smallSizes : realisticSizes, rows: picked, admission: admission ? JSON.parse(admission) : undefined });
}
