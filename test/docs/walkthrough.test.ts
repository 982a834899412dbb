// The README's "Your first rack" is run as written: each shell block of it, in
// order, in bash, against a real `bootherd serve` (started by the walkthrough's
// own serve block) with simulated Pi 4s as the rack. Only what the README
// says a reader puts in is replaced: the address 10.0.0.1 by 127.0.0.1, the
// ports 8080 and 69 by free ones, eth1 by lo (the proxyDHCP's ports go to
// loopback through BOOTHERD_CONFIG), /var/lib/bootherd by a temp dir. Blocks
// marked `sh no-run` are not run, each with its reason; their bootherd
// command lines are still read by the CLI's own parser.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../src/config.js';
import { powerLinkInput } from '../../src/domain/power-link.js';
import { createSimulation, makeFleet, writeBootSet, smallSizes, type Simulation } from '../../src/sim/index.js';
import { fences, readme, section, type Fence } from './readme.js';
import { bootherdCommands, bootherdOnPath, cliRefuses, runBlock, startBlock, type Background, type Ran, type Shell } from './shell.js';
import { until } from '../helpers/until.js';

type Kind = 'run' | 'background' | 'no-run';
interface Block extends Fence {
  kind: Kind | null;
  reason?: string;
}

/** The walkthrough's fenced blocks, each with its kind (`sh`, `sh background`, `sh no-run`) and a no-run's reason (the `<!-- no-run: ... -->` line above it). */
function walkthrough(): { text: string; blocks: Block[] } {
  const text = section(readme(), 'Your first rack');
  const lines = text.split('\n');
  const blocks = fences(text).map((f): Block => {
    const kind = ({ sh: 'run', 'sh background': 'background', 'sh no-run': 'no-run' } as const)[f.info as 'sh'] ?? null;
    const above = lines.slice(0, f.line - 1).reverse().find((l) => l.trim() !== '') ?? '';
    const reason = /^<!-- no-run: (.+) -->$/.exec(above.trim())?.[1];
    return { ...f, kind, ...(reason ? { reason } : {}) };
  });
  return { text, blocks };
}

test('every shell block of the walkthrough runs, or says why it cannot; its commands are real', () => {
  const { text, blocks } = walkthrough();
  for (const b of blocks) {
    assert.ok(b.kind !== null || b.info === 'yaml', `line ${b.line}: a block is sh, sh background, sh no-run or yaml, not '${b.info}'`);
    assert.equal(b.kind === 'no-run', b.reason !== undefined, `line ${b.line}: a no-run block, and only one, has a <!-- no-run: why --> line above it`);
    for (const argv of bootherdCommands(b.body)) assert.equal(cliRefuses(argv), null);
  }
  assert.ok(blocks.filter((b) => b.kind === 'run').length >= 8, 'most of the walkthrough runs');
  for (const placeholder of ['`10.0.0.1`', '`eth1`', '`8080`', '`/var/lib/bootherd`']) assert.ok(text.includes(placeholder), `the walkthrough says ${placeholder} is the reader's to replace`);
});

test('the walkthrough\'s config and API examples are what bootherd takes', () => {
  const { blocks } = walkthrough();
  const yamlBlocks = blocks.filter((b) => b.info === 'yaml');
  assert.ok(yamlBlocks.length > 0);
  for (const b of yamlBlocks) {
    const r = configSchema.safeParse(parseYaml(b.body));
    assert.ok(r.success, `line ${b.line}: ${r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const bodies = blocks.flatMap((b) => [...b.body.matchAll(/-d '(\{[^']*\})' "\$BOOTHERD_URL\/api\/v1\/nodes\/[^/]+\/power"/g)].map((m) => m[1]!));
  assert.equal(bodies.length, 1, 'the power link example');
  assert.ok(powerLinkInput.safeParse(JSON.parse(bodies[0]!)).success, bodies[0]);
});

/** What the run shares: the shell, the rack, the server it started. */
interface Run {
  sh: Shell;
  dir: string;
  dataDir: string;
  sim: Simulation;
  httpPort?: number;
  serve?: Background;
  blocks: Block[];
}

const serials = (r: Run) => r.sim.boards.map((b) => b.spec.serial!);
const api = async (r: Run, p: string, init: RequestInit = {}) => {
  const res = await fetch(`http://127.0.0.1:${r.httpPort}${p}`, { ...init, headers: { authorization: `Bearer ${r.sh.env.BOOTHERD_ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers } });
  return (await res.json()) as any;
};
const ok = (ran: Ran, what: string) => assert.equal(ran.code, 0, `${what}:\n${ran.stdout}\n${ran.stderr}`);

/** One step of the walkthrough: the block it runs (by its text) and what the reader must then see. */
interface Step {
  match: RegExp;
  run(r: Run, script: string): Promise<void>;
}

const steps: Step[] = [
  { match: /^bootherd serve /, async run(r, script) {
    const config = path.join(r.dir, 'loopback-dhcp.json');
    const seg = r.sim.segment.address;
    writeFileSync(config, JSON.stringify({ dhcp: { proxy: { listen: '127.0.0.1', port: 0, pxePort: 0, clientPort: seg.port, replyAddress: seg.address } }, logLevel: 'warn' }));
    r.serve = startBlock({ ...r.sh, env: { ...r.sh.env, BOOTHERD_CONFIG: config } }, script);
    await until('bootherd serve listening', () => /point DHCP at/.test(r.serve!.output()) || r.serve!.proc.exitCode !== null, 1200);
    const out = r.serve.output();
    const http = /http: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    const tftp = /tftp: listening on (127\.0\.0\.1):(\d+)/.exec(out);
    const dhcp = /dhcp: proxyDHCP on lo \((127\.0\.0\.1)\), UDP (\d+)/.exec(out);
    assert.ok(http && tftp && dhcp, `serve says where it listens, its TFTP and its proxyDHCP on lo:\n${out}`);
    assert.match(out, new RegExp(`admin token.*${r.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/admin-token`));
    r.httpPort = Number(http[1]);
    r.sim.attach({ tftp: { address: tftp[1]!, port: Number(tftp[2]) }, dhcp: { address: dhcp[1]!, port: Number(dhcp[2]) }, httpUrl: `http://127.0.0.1:${r.httpPort}` });
  } },
  { match: /^bootherd dhcp-config /, async run(r, script) {
    ok(await runBlock(r.sh, script), 'dhcp-config');
    const conf = readFileSync(path.join(r.sh.cwd, 'bootherd-dnsmasq.conf'), 'utf8');
    assert.match(conf, /^dhcp-range=10\.0\.0\.0,proxy/m);
    assert.match(conf, /^dhcp-match=set:rpi,97,0:52:50:69:34/m);
    assert.match(conf, /127\.0\.0\.1/, 'the advertised address');
  } },
  { match: /^export BOOTHERD_URL=/, async run(r, script) {
    const ran = await runBlock(r.sh, script, true);
    ok(ran, 'the exports');
    assert.equal(ran.envAfter!.BOOTHERD_URL, `http://127.0.0.1:${r.httpPort}`);
    assert.equal(ran.envAfter!.BOOTHERD_ADMIN_TOKEN, readFileSync(path.join(r.dataDir, 'admin-token'), 'utf8').trim());
    r.sh.env.BOOTHERD_URL = ran.envAfter!.BOOTHERD_URL;
    r.sh.env.BOOTHERD_ADMIN_TOKEN = ran.envAfter!.BOOTHERD_ADMIN_TOKEN;
  } },
  { match: /^bootherd eeprom-config /, async run(r, script) {
    ok(await runBlock(r.sh, script), 'eeprom-config');
    const conf = readFileSync(path.join(r.sh.cwd, 'bootconf.txt'), 'utf8');
    assert.match(conf, /^TFTP_IP=127\.0\.0\.1$/m);
    assert.match(conf, /^BOOT_ORDER=0xf12$/m);
    // The README's apply commands are the ones bootconf.txt itself gives.
    const apply = r.blocks.find((b) => b.body.includes('rpi-eeprom-update'))!;
    const comments = conf.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s*/, '').trim());
    for (const line of apply.body.split('\n').filter(Boolean)) assert.ok(comments.includes(line.trim()), `bootconf.txt gives: ${line}`);
  } },
  { match: /^bootherd nodes watch$/, async run(r, script) {
    r.sim.powerOnAll(); // step 6: power on
    const watch = startBlock(r.sh, script);
    try {
      await until('every board ready', async () => ((await api(r, '/api/v1/nodes')).nodes as Array<{ state: string }>).filter((n) => n.state === 'ready').length === serials(r).length, 1800);
      const ids = ((await api(r, '/api/v1/nodes')).nodes as Array<{ id: string }>).map((n) => n.id.slice(0, 8));
      await until('nodes watch shows every board', () => ids.every((id) => new RegExp(`^${id}\\s+ready\\b`, 'm').test(watch.output())), 600).catch(() => assert.fail(`nodes watch shows every board:\n${watch.output()}`));
    } finally {
      await watch.stop();
    }
  } },
  { match: /^bootherd nodes list -o wide$/, async run(r, script) {
    const ran = await runBlock(r.sh, script);
    ok(ran, 'nodes list');
    const rows = ran.stdout.split('\n').filter((l) => serials(r).some((s) => l.includes(s)));
    assert.equal(rows.length, serials(r).length);
    for (const row of rows) assert.match(row, /\bready\b.*\binitramfs\b.*127\.20\.\d+\.\d+.*Raspberry Pi 4/, 'ready, with its boot stage, IP and model');
  } },
  { match: /^bootherd images list$/, async run(r, script) {
    // Stands in for `images import`: the boot set's Pi kernel and initramfs, and a small golden root.
    const root = path.join(r.dataDir, 'images', 'raspios-root');
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(root, 'etc', 'os-release'), 'ID=raspios\n');
    const image = { arch: 'arm64', bootDir: path.join(r.dataDir, 'images', 'raspios'), kernel: 'kernel8.img', initramfs: 'initramfs8', rootDir: root };
    const put = await api(r, '/api/v1/images/raspios', { method: 'PUT', body: JSON.stringify(image) });
    assert.equal(put.error, undefined, JSON.stringify(put));
    const ran = await runBlock(r.sh, script);
    ok(ran, 'images list');
    assert.match(ran.stdout, /^raspios\b/m);
  } },
  { match: /^bootherd rules add /, async run(r, script) {
    const ran = await runBlock(r.sh, script);
    ok(ran, 'rules');
    assert.equal([...ran.stdout.matchAll(/would-apply\s+hostname rack1-pi0\d/g)].length, 2, ran.stdout);
    assert.match(ran.stdout, /rule rack1: 2 matching, 2 would change.*dry run: nothing changed/);
    for (const h of ['rack1-pi01', 'rack1-pi02']) {
      assert.match(ran.stdout, new RegExp(`^${h}\\s+deployed\\b`, 'm'), `nodes list shows ${h} deployed`);
      const node = await api(r, `/api/v1/nodes/${h}`);
      assert.equal(node.root?.path, path.join(r.dataDir, 'roots', h), JSON.stringify(node));
      assert.ok(existsSync(path.join(node.root.path, 'etc', 'os-release')), `${h}'s own root`);
    }
    await until('the boards up on their NFS roots', () => r.sim.boards.every((b) => b.snapshot().os === 'nfs-root' && b.snapshot().upAt !== null), 1800);
  } },
  { match: /^bootherd nodes set-target /, async run(r, script) {
    const ran = await runBlock(r.sh, script);
    ok(ran, 'set-target');
    assert.equal([...ran.stdout.matchAll(/would assign local/g)].length, 2, ran.stdout);
    assert.equal((await api(r, '/api/v1/nodes/rack1-pi01')).target.kind, 'local');
    assert.equal((await api(r, '/api/v1/nodes/rack1-pi02')).target.kind, 'nfs-root', 'the dry run changed nothing');
  } },
  { match: /^bootherd nodes action rack1-pi01 rescue$/, async run(r, script) {
    ok(await runBlock(r.sh, script), 'rescue');
    const node = await api(r, '/api/v1/nodes/rack1-pi01');
    assert.equal(node.state, 'rescue');
    // No power controller here: switched off and on, as the README says.
    const target = r.sim.boards.find((b) => node.identity.serial === b.spec.serial);
    assert.ok(target, `the board of ${node.identity.serial}`);
    await target.cycle(1000);
    await until('the rescue system reported', async () => ((await api(r, '/api/v1/nodes/rack1-pi01/events')).events as Array<{ kind: string }>).some((e) => e.kind === 'rescue-ready'), 1800);
  } },
  { match: /^bootherd nodes events rack1-pi01\n/, async run(r, script) {
    const ran = await runBlock(r.sh, script);
    ok(ran, 'events, end-rescue');
    assert.match(ran.stdout, /rescue-ready/);
    const node = await api(r, '/api/v1/nodes/rack1-pi01');
    assert.deepEqual([node.state, node.target.kind], ['deployed', 'local']);
  } },
];

test('the walkthrough, run as written against bootherd serve and a simulated rack', { timeout: 900_000 }, async (t) => {
  const { blocks } = walkthrough();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-walk-'));
  const dataDir = path.join(dir, 'var-lib-bootherd');
  const cwd = path.join(dir, 'home');
  mkdirSync(cwd, { recursive: true });
  // Stand-ins for steps 1 and 2 (firmware import, image build): the files they write, where they write them.
  await writeBootSet(dataDir, smallSizes);
  const sim = await createSimulation({ specs: makeFleet(2), timeScale: 0.1 });
  const env = { PATH: `${bootherdOnPath(path.join(dir, 'bin'))}:${process.env.PATH ?? ''}`, HOME: cwd };
  const r: Run = { sh: { cwd, env }, dir, dataDir, sim, blocks };
  const localise = (s: string) => s
    .replaceAll('/var/lib/bootherd', dataDir)
    .replaceAll('10.0.0.1:8080', `127.0.0.1:${r.httpPort ?? 0}`)
    .replaceAll('10.0.0.1:69', '127.0.0.1:0')
    .replaceAll('10.0.0.1', '127.0.0.1')
    .replaceAll('--proxy-dhcp eth1', '--proxy-dhcp lo');
  const used = new Set<Step>();
  try {
    for (const b of blocks) {
      if (b.kind === 'no-run') {
        t.diagnostic(`not run (line ${b.line}): ${b.reason}: ${b.body.split('\n')[0]}`);
        continue;
      }
      if (b.kind === null) continue;
      const matching = steps.filter((s) => s.match.test(b.body));
      assert.equal(matching.length, 1, `line ${b.line}: exactly one step of this test runs and checks the block:\n${b.body}`);
      assert.ok(!used.has(matching[0]!), `line ${b.line}: a step runs once`);
      used.add(matching[0]!);
      await matching[0]!.run(r, localise(b.body));
    }
    assert.deepEqual(steps.filter((s) => !used.has(s)).map((s) => String(s.match)), [], 'every step found its block in the README');
  } finally {
    await sim.close();
    await r.serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
