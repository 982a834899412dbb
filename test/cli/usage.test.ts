// How the real `bootherd` process answers mistakes: one line that says what
// was meant, exit code 2; and per-command help that lists exactly that
// command's flags, for every command in the registry.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { commands } from '../../src/cli/registry.js';
import { packageRoot } from '../../src/paths.js';
import { runCli } from '../helpers/process.js';

async function refused(args: string[]): Promise<string> {
  const r = await runCli(args);
  assert.equal(r.code, 2, `bootherd ${args.join(' ')} should exit 2: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').length, 2, `one line, not the whole usage: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Invalid input|ZodError|"code":/, 'no raw zod text');
  return r.stderr.trim();
}

test('an unknown flag or command says what was meant in one line', async () => {
  const table: Array<[string[], string]> = [
    [['serve', '--htp', '127.0.0.1:0'], 'bootherd: unknown flag --htp; did you mean --http HOST:PORT?'],
    [['nodes', 'list', '--stat', 'ready'], 'bootherd: unknown flag --stat; did you mean --state STATE?'],
    [['rules', 'apply', 'r1', '--dryrun'], 'bootherd: unknown flag --dryrun; did you mean --dry-run?'],
    [['nodes', 'list', '--zzzz'], "bootherd: unknown flag --zzzz for 'nodes list'; see 'bootherd nodes list --help'"],
    [['nodes', 'lst'], "bootherd: unknown command 'nodes lst'; did you mean 'nodes list'?"],
    [['nodse', 'list'], "bootherd: unknown command 'nodse'; did you mean 'nodes'?"],
    [['nodes'], `bootherd: 'nodes' needs a command: ${commands.filter((c) => c.name.startsWith('nodes ')).map((c) => c.name.slice(6)).join(', ')} (bootherd nodes --help)`],
    [['serve', '--http'], 'bootherd: --http needs a value: HOST:PORT'],
    [['nodes', 'list', '--all=yes'], 'bootherd: --all takes no value'],
    [['--verison'], 'bootherd: unknown flag --verison; did you mean --version?'],
    [['--bogus-flag'], "bootherd: unknown flag --bogus-flag; see 'bootherd --help'"],
  ];
  for (const [args, want] of table) assert.equal(await refused(args), want);
});

test('a bad value says what is required in plain words, once', async () => {
  const table: Array<[string[], RegExp]> = [
    [['nodes', 'list', '--state', 'redy'], /^bootherd: --state: "redy" is not one of new, ready, .*; did you mean ready\?$/],
    [['serve', '--http', 'nonsense'], /^bootherd: --http: expected HOST:PORT, got "nonsense"$/],
    [['serve', '--boot-network', '10.0.0.0'], /^bootherd: --boot-network: expected an IPv4 CIDR such as 10\.0\.0\.0\/24$/],
    [['nodes', 'action', 'pi01', 'rescu'], /^bootherd: ACTION: "rescu" is not one of rescue, .*; did you mean rescue\?$/],
    [['nodes', 'set-target', 'pi01', 'nfs-root', 'server=10.0.0.1', 'path=srv/roots/pi01'], /^bootherd: target: path: must be an absolute path without \.\. segments$/],
    [['nodes', 'set-target', 'pi01', 'nfs-rot'], /^bootherd: target kind: "nfs-rot" is not one of nfs-root, usb-root, install, local; did you mean nfs-root\?$/],
    [['nodes', 'set', 'pi01', 'hostname=bad_name'], /^bootherd: nodes set: hostname: not an RFC 1123 host name/],
    [['nodes', 'set', 'pi01', 'role=x'], /^bootherd: nodes set: expected hostname=NAME, hostname-, label\.KEY=VALUE or label\.KEY-, got "role=x"$/],
    [['nodes', 'list', '-l', 'rack'], /^bootherd: --label: expected KEY=VALUE, got "rack"$/],
    [['nodes', 'events', 'pi01', '--limit', '0'], /^bootherd: --limit: must be at least 1$/],
    [['rules', 'add', '--name', 'r1', '--priority', 'high'], /^bootherd: rule: priority: must be a number$/],
    [['rules', 'add', '--name', 'r1', '--target', 'nfs-root server=10.0.0.1 path=/srv/{rack}'], /^bootherd: rule: apply\.target\.path: unknown placeholder \{rack\}/],
    [['dhcp-config', '--dnsmasq', '--proxy', '--range', '10.0.0.0\ndhcp-script=/bin/sh'], /^bootherd: --range: must be the subnet to answer on/],
  ];
  for (const [args, want] of table) assert.match(await refused(args), want);
});

test('every command answers --help with exactly its own flags and an example', async () => {
  const allFlags = new Set(commands.flatMap((c) => Object.keys(c.flags)));
  for (const c of commands) {
    const r = await runCli([...c.name.split(' '), '--help']);
    assert.equal(r.code, 0, `${c.name} --help: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`usage: bootherd ${c.name}`), r.stdout);
    const listed = new Set([...r.stdout.matchAll(/^ {2}(?:-\w, | {4})--([a-z-]+)/gm)].map((m) => m[1]!));
    assert.deepEqual([...listed].sort(), [...Object.keys(c.flags), 'help'].sort(), `${c.name}: flags in its help`);
    for (const other of allFlags) if (!(other in c.flags)) assert.ok(!listed.has(other), `${c.name} --help lists --${other}, which is not its flag`);
    assert.match(r.stdout, new RegExp(`^examples:\\n {2}(sudo |source <\\()?bootherd ${c.name}`, 'm'), `${c.name}: an example`);
  }
});

test('help, version and a bare command line', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const c of commands) assert.match(top.stdout, new RegExp(`^ {2}${c.name} +\\S`, 'm'), `top help lists ${c.name}`);
  const group = await runCli(['rules', '--help']);
  assert.equal(group.code, 0);
  assert.deepEqual([...group.stdout.matchAll(/^ {2}(rules \S+)/gm)].map((m) => m[1]), commands.filter((c) => c.name.startsWith('rules ')).map((c) => c.name));
  const version = await runCli(['--version']);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version);
  const bare = await runCli([]);
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^usage: bootherd COMMAND/);
});
