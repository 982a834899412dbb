// `bootherd demo` as a real child process: `--once` boots 8 simulated boards
// to what each was meant to run, switches one to usb-root and rescues the one
// it wedged; Ctrl-C of a running demo stops everything and leaves no
// temporary directory and no listening server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { DemoSummary } from '../../src/sim/demo-summary.js';
import { cliPath, runCli } from '../helpers/process.js';

test('demo --once --boards 8: every board reaches its target, the usb-root switch takes, the wedged node is rescued', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bootherd-demo-test-'));
  try {
    const r = await runCli(['demo', '--once', '--boards', '8', '--json'], { TMPDIR: tmp }, { timeoutMs: 600_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = JSON.parse(r.stdout) as DemoSummary;
    assert.equal(s.ok, true, s.problems.join('\n'));
    assert.deepEqual(s.problems, []);
    assert.equal(s.boards.length, 8);
    assert.deepEqual(s.boards.filter((b) => !b.ok || b.reached !== b.expected || b.state !== 'deployed' || b.target !== b.expected), [], 'every board runs what it was meant to, and bootherd agrees');
    assert.deepEqual([...new Set(s.boards.map((b) => b.kind))].sort(), ['pi4', 'pi5', 'x86'], 'a Pi 5 and an x86 iPXE box are among them');
    assert.deepEqual(s.boards.map((b) => b.port), ['1', '2', '3', '4', '5', '6', '7', '8'], 'each board on its own port');
    assert.ok(s.boards.filter((b) => b.kind !== 'x86').every((b) => /^rack1-pi\d\d$/.test(b.hostname ?? '')), 'the rule named the Pis');

    const usb = s.boards.filter((b) => b.role === 'usb-switch');
    assert.equal(usb.length, 1);
    assert.equal(usb[0]!.reached, 'usb-root');
    assert.equal(s.usbSwitch.took, true);
    assert.equal(s.usbSwitch.hostname, usb[0]!.hostname);
    assert.deepEqual(s.boards.filter((b) => b.role !== 'usb-switch').map((b) => b.reached), Array(7).fill('nfs-root'));

    const w = s.wedge!;
    const wedged = s.boards.find((b) => b.role === 'wedge')!;
    assert.equal(w.hostname, wedged.hostname);
    assert.equal(w.rescued, true);
    assert.equal(w.reason, 'heartbeat-lost');
    for (const at of [w.detectedAt, w.powerCycledAt, w.rescueReadyAt, w.endRescueAt, w.backUpAt]) assert.ok(at, JSON.stringify(w));
    assert.ok(Date.parse(w.stoppedAt) < Date.parse(w.detectedAt!) && Date.parse(w.detectedAt!) <= Date.parse(w.powerCycledAt!) && Date.parse(w.powerCycledAt!) < Date.parse(w.rescueReadyAt!) && Date.parse(w.rescueReadyAt!) < Date.parse(w.backUpAt!), `the wedge's steps in order: ${JSON.stringify(w)}`);
    assert.equal(wedged.health, 'ok', 'healthy again after end-rescue');
    assert.match(r.stderr, /wedged \(heartbeat-lost\)/, 'progress lines show the wedge');
    assert.doesNotMatch(r.stderr, /\x1b\[/, 'no terminal redraws outside a terminal');
    assert.deepEqual(readdirSync(tmp), [], 'the temporary directory is gone');
    console.log(`# wedge: detected after ${w.detectedAfterSeconds} s, rescue-ready after ${w.rescueReadyAfterSeconds} s, back up after ${w.backUpAfterSeconds} s; demo ${s.seconds} s`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('Ctrl-C of a running demo stops bootherd and the boards and removes its temporary directory', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bootherd-demo-test-'));
  try {
    const p = spawn(process.execPath, [cliPath, 'demo', '--boards', '3'], { env: { PATH: process.env.PATH ?? '', TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | string | null>((resolve) => p.on('close', (code, signal) => resolve(code ?? signal)));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /all 3 boards up/.test(out) ? /bootherd: (http:\/\/127\.0\.0\.1:\d+)/.exec(out) : null;
        if (m) (clearInterval(t), resolve(m[1]!));
      }, 100);
      void exited.then((code) => (clearInterval(t), reject(new Error(`demo exited (${code}) early:\n${out}`))));
    });
    assert.equal(readdirSync(tmp).filter((f) => f.startsWith('bootherd-demo-')).length, 1, 'the demo works in a temporary directory');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    p.kill('SIGINT');
    const code = await exited;
    assert.ok(code === 0 || code === 130, `exit ${code}:\n${out}`);
    assert.deepEqual(readdirSync(tmp), [], 'no temporary directory left');
    await assert.rejects(fetch(`${url}/healthz`), 'bootherd no longer listens');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('demo refuses a rack it cannot stage', async () => {
  const r = await runCli(['demo', '--boards', '1']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--boards/);
});
