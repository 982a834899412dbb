// Whole-flow boot storm (DESIGN §7, §13): for each N, N simulated boards
// powered on at once against a real `bootherd serve`, from power-on to their
// target's os-up and first heartbeat, through one link model, without and
// with boot admission; then the same storm's TFTP part (the discovery boot,
// Pi 4s) against bootherd without admission, with it (behind its proxyDHCP,
// and TFTP only), and against dnsmasq serving the same files, through the
// same link and client model.
//
//   npm run bench:storm -- [--boards 50,200,1000] [--sizes realistic|small]
//     [--time-scale 1] [--link 1g|100m|BYTES_PER_S|unlimited | --rack-link ...] [--deadline SECONDS]
//     [--pi5 N] [--x86 N] [--no-proxy-dhcp] [--only whole|tftp]
//     [--tftp-rows bootherd,admission,admission-tftp,admission-paced,dnsmasq]
//     [--server-config JSON] [--admission JSON]
//
// --link is the link's real speed; the rack it plays has link × time scale.
// --rack-link gives the rack's instead (real = rack / time scale): a machine
// that cannot carry 1 GbE through its loopback plays a 1 GbE rack with
// `--rack-link 1g --time-scale 4` (boards four times slower, the link a
// quarter of its speed). --deadline is in rack seconds.
// --admission adds keys to bootherd's `admission` block in the runs with
// admission (its timings are scaled to --time-scale already). The load
// average is printed with every N: the machine is shared.
import os from 'node:os';
import { formatFigures, gigabit, realisticSizes, runStorm, smallSizes, type LinkSettings } from '../src/sim/index.js';
import { tftpPartIsolated } from './storm-tftp-netns.js';
import { tftpRows, type TftpRow } from './storm-tftp.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function linkOf(s: string | undefined): LinkSettings {
  if (!s || s === '1g') return { bytesPerSecond: gigabit };
  if (s === '100m') return { bytesPerSecond: gigabit / 10 };
  if (s === '10g') return { bytesPerSecond: gigabit * 10 };
  if (s === 'unlimited') return { bytesPerSecond: 0 };
  const n = Number(s);
  if (!(n >= 0)) throw new Error(`--link: expected 1g, 100m, 10g, unlimited or bytes per second, got ${s}`);
  return { bytesPerSecond: n };
}

const json = (s: string | undefined, what: string): Record<string, unknown> | undefined => {
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s) as Record<string, unknown>;
  } catch {
    throw new Error(`${what}: not JSON: ${s}`);
  }
};

async function main(): Promise<void> {
  const counts = (flag('--boards') ?? '50,200,1000').split(',').map(Number).filter((n) => n > 0);
  const sizes = flag('--sizes') === 'small' ? smallSizes : realisticSizes;
  const timeScale = Number(flag('--time-scale') ?? 1);
  const rackLink = flag('--rack-link');
  if (rackLink && flag('--link')) throw new Error('--link and --rack-link: give one');
  const link = rackLink ? { bytesPerSecond: Math.round(linkOf(rackLink).bytesPerSecond / timeScale) } : linkOf(flag('--link'));
  const deadlineMs = Number(flag('--deadline') ?? 600) * 1000 * timeScale;
  const only = flag('--only');
  const serverConfig = json(flag('--server-config'), '--server-config');
  const admission = json(flag('--admission'), '--admission');
  const linkName = link.bytesPerSecond ? `${(link.bytesPerSecond * 8 / 1e9).toFixed(2)} Gbit/s` : 'unlimited';
  const rows = (flag('--tftp-rows')?.split(',') ?? [...tftpRows]).filter((r): r is TftpRow => (tftpRows as readonly string[]).includes(r));
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`storm: sizes ${sizes === smallSizes ? 'small' : 'realistic'}, link ${linkName} per direction, time scale ${timeScale} (as a real rack on a ${(link.bytesPerSecond * timeScale * 8 / 1e9).toFixed(2)} Gbit/s link), deadline ${deadlineMs / 1000} s real, ${os.cpus().length} cores shared by server and boards, load average ${load()}`);
  for (const n of counts) {
    const common = { boards: n, timeScale, link, sizes, deadlineMs, proxyDhcp: !process.argv.includes('--no-proxy-dhcp'), ...(flag('--pi5') ? { pi5: Number(flag('--pi5')) } : {}), ...(flag('--x86') ? { x86: Number(flag('--x86')) } : {}) };
    if (only !== 'tftp') {
      const runs: Array<[string, Record<string, unknown>]> = [
        ['bootherd whole flow', { ...serverConfig, admission: { enabled: false } }],
        ['bootherd + admission', { ...serverConfig, admission: { ...admission, enabled: true } }],
      ];
      for (const [label, config] of runs) {
        const tty = process.stderr.isTTY;
        const r = await runStorm({ ...common, serverConfig: config, onProgress: tty ? (up, total) => process.stderr.write(`\r  ${label}: ${up}/${total} up `) : undefined });
        if (tty) process.stderr.write('\n');
        console.log(formatFigures(label, r.figures));
        const reasons = new Map<string, number>();
        for (const o of r.outcomes) if (o.failure) reasons.set(o.failure, (reasons.get(o.failure) ?? 0) + 1);
        for (const [why, count] of reasons) console.log(`    ${count} x ${why}`);
      }
    }
    if (only !== 'whole') await tftpPartIsolated(n, { link: link.bytesPerSecond, timeScale, deadlineMs, sizes: sizes === smallSizes ? 'small' : 'realistic', rows, admission });
    console.log(`  (N=${n} done, load average ${load()})`);
  }
}

await main();
