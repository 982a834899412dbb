// npm run bench:roots — per-node NFS root provisioning: one node at a time
// (median of --rounds) and --nodes at once through a real `bootherd serve`
// (PUT target, root made, files rendered, exports written), for the btrfs
// provider (snapshot on a loop-mounted btrfs) and the copy provider (cp -a on
// the temp dir's filesystem), each beside the bare command as its reference.
// Options: --files N (4000), --mib M (64), --nodes N (50), --rounds R (7). Needs root.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServe } from '../test/helpers/process.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '4000' }, mib: { type: 'string', default: '64' }, nodes: { type: 'string', default: '50' }, rounds: { type: 'string', default: '7' } } });
const files = Number(values.files);
const mib = Number(values.mib);
const nodes = Number(values.nodes);
const rounds = Number(values.rounds);
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function writeGolden(dir: string): void {
  const per = Math.max(1, Math.floor((mib * 1024 * 1024) / files));
  const data = Buffer.alloc(per, 0x61);
  for (let i = 0; i < files; i++) {
    const d = path.join(dir, 'usr', 'lib', `pkg${i % 200}`);
    if (i < 200) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, `file${i}`), data);
  }
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  writeFileSync(path.join(dir, 'etc', 'hostname'), 'golden\n');
}

async function api(url: string, token: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + p, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** One bootherd over `rootsDir`: single-node times (median), then `nodes` at once. */
async function throughBootherd(label: string, golden: string, rootsDir: string, provider: string): Promise<{ single: number; all: number; failed: number }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-roots-'));
  mkdirSync(path.join(dataDir, 'firmware'));
  writeFileSync(path.join(dataDir, 'firmware', 'kernel8.img'), 'kernel');
  writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ roots: { dir: rootsDir, provider }, exports: { kind: 'kernel', file: path.join(dataDir, 'bootherd.exports') } }));
  const srv = await startServe(['--data-dir', dataDir, '--config', path.join(dataDir, 'config.json'), '--http', '127.0.0.1:0', '--no-tftp', '--log-level', 'warn', '--advertise', '10.0.0.1']);
  const token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  try {
    await api(srv.url, token, 'PUT', '/api/v1/images/golden', { rootDir: golden });
    const enroll = async (i: number) => {
      const hex = i.toString(16).padStart(4, '0');
      const inv = { serial: `1000000000${label === 'btrfs' ? 'b' : 'c'}0${hex}`, arch: 'aarch64', nics: [{ name: 'eth0', mac: `dc:a6:32:${label === 'btrfs' ? 'b0' : 'c0'}:${hex.slice(0, 2)}:${hex.slice(2)}`, booted: true }] };
      const r = await fetch(`${srv.url}/api/v1/discovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inv) });
      return ((await r.json()) as { nodeId: string }).nodeId;
    };
    const assign = async (id: string, i: number) => (await api(srv.url, token, 'PUT', `/api/v1/nodes/${id}/target`, { kind: 'nfs-root', image: 'golden', path: path.join(rootsDir, `n${i}`) })).status === 200;
    const single: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const id = await enroll(1000 + r);
      const t0 = process.hrtime.bigint();
      if (!(await assign(id, 1000 + r))) throw new Error(`${label}: assign failed`);
      single.push(ms(t0));
    }
    const ids = await Promise.all(Array.from({ length: nodes }, (_, i) => enroll(i)));
    const t0 = process.hrtime.bigint();
    const ok = await Promise.all(ids.map((id, i) => assign(id, i)));
    const all = ms(t0);
    const exported = (readFileSync(path.join(dataDir, 'bootherd.exports'), 'utf8').match(/^"/gm) ?? []).length;
    if (exported !== nodes + rounds) throw new Error(`${label}: ${exported} exports, expected ${nodes + rounds}`);
    return { single: median(single), all, failed: ok.filter((x) => !x).length };
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function bare(cmd: (i: number) => [string, string[]]): number {
  const t: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const [c, a] = cmd(i);
    const t0 = process.hrtime.bigint();
    sh(c, a);
    t.push(ms(t0));
  }
  return median(t);
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bootherd-bench-roots-'));
  const img = path.join(tmp, 'btrfs.img');
  const mnt = path.join(tmp, 'mnt');
  mkdirSync(mnt);
  const fsMiB = Math.max(1024, mib * 4 + 512);
  sh('truncate', ['-s', `${fsMiB}M`, img]);
  sh('mkfs.btrfs', ['-q', img]);
  sh('mount', ['-o', 'loop', img, mnt]);
  try {
    const bGolden = path.join(mnt, 'golden');
    sh('btrfs', ['subvolume', 'create', bGolden]);
    writeGolden(bGolden);
    const cGolden = path.join(tmp, 'golden');
    writeGolden(cGolden);
    mkdirSync(path.join(mnt, 'ref'));
    mkdirSync(path.join(tmp, 'ref'));
    const refSnap = bare((i) => ['btrfs', ['subvolume', 'snapshot', bGolden, path.join(mnt, 'ref', `s${i}`)]]);
    const refCp = bare((i) => ['cp', ['-a', '--reflink=auto', cGolden, path.join(tmp, 'ref', `c${i}`)]]);
    rmSync(path.join(tmp, 'ref'), { recursive: true, force: true });
    const btrfs = await throughBootherd('btrfs', bGolden, path.join(mnt, 'roots'), 'btrfs');
    const copy = await throughBootherd('copy', cGolden, path.join(tmp, 'roots'), 'copy');
    console.log(`bench:roots  node ${process.version}, ${os.cpus().length} cores; golden root ${files} files, ${mib} MiB; ${rounds} rounds, median`);
    console.log('provider  one node via bootherd (PUT target)  bare command (reference)  ratio   ' + `${nodes} nodes at once via bootherd  per node  failed`);
    for (const [name, r, ref] of [['btrfs', btrfs, refSnap], ['copy', copy, refCp]] as const) {
      console.log(`${name.padEnd(8)}  ${r.single.toFixed(1).padStart(10)} ms${' '.repeat(21)}${ref.toFixed(1).padStart(8)} ms ${name === 'btrfs' ? '(snapshot)' : '(cp -a)   '}  ${(r.single / ref).toFixed(2).padStart(5)}x  ${(r.all / 1000).toFixed(2).padStart(10)} s${' '.repeat(19)}${(r.all / nodes).toFixed(1).padStart(7)} ms  ${r.failed}`);
    }
  } finally {
    sh('umount', [mnt]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
