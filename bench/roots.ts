// npm run bench:roots — per-node NFS root provisioning: one node at a time
// (median of --rounds) and --nodes at once through a real `bootherd serve`
// (PUT target, root made, files rendered, exports written), for the btrfs
// provider (snapshot on a loop-mounted btrfs) and the copy provider (cp -a on
// the temp dir's filesystem), each beside the bare command as its reference,
// in paired rounds (bare, then bootherd) so page-cache and writeback drift
// hit both alike; the 50-at-once reference runs 50 bare commands at once.
// Options: --files N (4000), --mib M (64), --nodes N (50), --rounds R (7). Needs root.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
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
type Ref = (i: number) => [string, string[]];
const run = promisify(execFile);

async function throughBootherd(label: string, golden: string, rootsDir: string, provider: string, ref: Ref): Promise<{ single: number; all: number; failed: number; refSingle: number; refAll: number }> {
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
    const refSingle: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const [c, a] = ref(r);
      let t0 = process.hrtime.bigint();
      sh(c, a);
      refSingle.push(ms(t0));
      const id = await enroll(1000 + r);
      t0 = process.hrtime.bigint();
      if (!(await assign(id, 1000 + r))) throw new Error(`${label}: assign failed`);
      single.push(ms(t0));
    }
    let t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: nodes }, (_, i) => run(...ref(100 + i))));
    const refAll = ms(t0);
    const ids = await Promise.all(Array.from({ length: nodes }, (_, i) => enroll(i)));
    t0 = process.hrtime.bigint();
    const ok = await Promise.all(ids.map((id, i) => assign(id, i)));
    const all = ms(t0);
    const exported = (readFileSync(path.join(dataDir, 'bootherd.exports'), 'utf8').match(/^"/gm) ?? []).length;
    if (exported !== nodes + rounds) throw new Error(`${label}: ${exported} exports, expected ${nodes + rounds}`);
    return { single: median(single), all, failed: ok.filter((x) => !x).length, refSingle: median(refSingle), refAll };
  } finally {
    srv.proc.kill('SIGTERM');
    await srv.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
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
    const btrfs = await throughBootherd('btrfs', bGolden, path.join(mnt, 'roots'), 'btrfs', (i) => ['btrfs', ['subvolume', 'snapshot', bGolden, path.join(mnt, 'ref', `s${i}`)]]);
    const copy = await throughBootherd('copy', cGolden, path.join(tmp, 'roots'), 'copy', (i) => ['cp', ['-a', '--reflink=auto', cGolden, path.join(tmp, 'ref', `c${i}`)]]);
    console.log(`bench:roots  node ${process.version}, ${os.cpus().length} cores; golden root ${files} files, ${mib} MiB; one node: median of ${rounds} paired rounds`);
    console.log(`provider  one node: bootherd PUT target | bare command | ratio   ${nodes} at once: bootherd | ${nodes} bare commands at once | ratio | per node (bootherd) | failed`);
    for (const [name, r, what] of [['btrfs', btrfs, 'btrfs subvolume snapshot'], ['copy', copy, 'cp -a --reflink=auto']] as const) {
      const f = (v: number, u = 'ms') => `${v.toFixed(1)} ${u}`;
      console.log(`${name.padEnd(8)}  ${f(r.single).padStart(10)} | ${f(r.refSingle).padStart(10)} | ${(r.single / r.refSingle).toFixed(2)}x   ${f(r.all / 1000, 's').padStart(8)} | ${f(r.refAll / 1000, 's').padStart(8)} | ${(r.all / r.refAll).toFixed(2)}x | ${f(r.all / nodes)} | ${r.failed}   (reference: ${what})`);
    }
  } finally {
    sh('umount', [mnt]);
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
