// The command driver: the argv array reaches the program exactly as written,
// placeholders expanded inside single arguments, without a shell.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../src/log.js';
import { commandParams, createCommandDriver } from '../../src/power/drivers/command.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-cmd-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const recorder = path.join(dir, 'record.sh');
const argvFile = path.join(dir, 'argv');
// Writes each argument NUL-terminated, so a newline inside one stays visible as such.
writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\0' "$@" > '${argvFile}'\n[ "$2" = status ] && echo "off (port $1)"\n[ "$2" = fail ] && { echo "port $1 is jammed" >&2; exit 3; }\nexit 0\n`, { mode: 0o755 });
const recorded = () => readFileSync(argvFile, 'utf8').split('\0').slice(0, -1);

const driver = (params: Record<string, unknown>) => createCommandDriver(commandParams.parse(params), { logger: silentLogger, sleep: async () => undefined, name: 'hub1' });

test('placeholders expand inside single arguments; hostile values stay one argument each, no shell runs', async () => {
  const d = driver({ argv: [recorder, '{port}', '{op}', 'node={node.id}', '{node.hostname}', '{node.mac}', '{unknown-but-literal'] });
  const hostile = { port: '1; rm -rf /', node: { id: 'n-1', hostname: '$(id)', mac: 'aa:bb\nreboot' } };
  await d.cycle(hostile);
  assert.deepEqual(recorded(), ['1; rm -rf /', 'cycle', 'node=n-1', '$(id)', 'aa:bb\nreboot', '{unknown-but-literal']);
  const status = await d.status({ port: '7', node: { id: 'n-1', hostname: null, mac: null } });
  assert.equal(status.state, 'off');
  assert.deepEqual(recorded(), ['7', 'status', 'node=n-1', '', '', '{unknown-but-literal']);
});

test('per-op commands, a failing exit with its stderr, a command that hangs past its timeout', async () => {
  const d = driver({ on: [recorder, '{port}', 'power-on'], off: [recorder, '{port}', 'fail'], cycle: ['/bin/sleep', '30'], timeoutMs: 300 });
  await d.on({ port: '2', node: { id: 'x', hostname: null, mac: null } });
  assert.deepEqual(recorded(), ['2', 'power-on']);
  await assert.rejects(d.off({ port: '2', node: { id: 'x', hostname: null, mac: null } }), /command hub1: off: .*record\.sh exit 3: port 2 is jammed/);
  await assert.rejects(d.cycle({ port: '2', node: { id: 'x', hostname: null, mac: null } }), /command hub1: cycle: \/bin\/sleep: no answer within 300 ms \(killed\)/);
  await assert.rejects(driver({ argv: [path.join(dir, 'missing-tool')] }).on({ port: '1', node: { id: 'x', hostname: null, mac: null } }), /not installed/);
  assert.ok(!existsSync('/nonexistent-bootherd-marker'));
});

test('params: an unknown placeholder or a missing command is refused', () => {
  const r = commandParams.safeParse({ argv: ['uhubctl', '-p', '{port}', '-a', '{action}'] });
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /unknown placeholder \{action\}/);
  const r2 = commandParams.safeParse({ on: ['x'] });
  assert.deepEqual(r2.error?.issues.map((i) => i.path.join('.')), ['off', 'cycle']);
});
