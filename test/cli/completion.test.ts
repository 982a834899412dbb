// Shell completion, sourced by a real bash and a real zsh: command words,
// each command's flags (for every command in the registry) and flag values.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { commands } from '../../src/cli/registry.js';
import { cliPath } from '../../src/paths.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bootherd-completion-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function shell(sh: 'bash' | 'zsh', script: string): string {
  const r = spawnSync(sh, sh === 'zsh' ? ['-f', '-c', script] : ['--norc', '-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') assert.fail(`${sh} is missing: install the Debian package ${sh} (scripts/install-test-deps.sh)`);
  assert.equal(r.status, 0, `${sh} failed: ${r.stderr}`);
  return r.stdout;
}

// The first test of each shell loads the script as a user would; the others source a saved copy.
const load = (sh: string) => `source <(${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} completion ${sh})`;
const saved = (sh: 'bash' | 'zsh') => {
  const file = path.join(dir, `bootherd.${sh}`);
  const r = spawnSync(process.execPath, [cliPath, 'completion', sh], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(file, r.stdout);
  return `source ${file}`;
};
let bashScript = '';
const q = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;

// What bash offers after the words typed so far (the last one may be partial).
function bashComplete(typed: string[]): string[] {
  bashScript ||= saved('bash');
  const out = shell('bash', `${bashScript}\nCOMP_WORDS=(bootherd ${typed.map(q).join(' ')}); COMP_CWORD=${typed.length}; _bootherd; printf '%s\\n' "\${COMPREPLY[@]}"`);
  return out.split('\n').filter(Boolean);
}

test('bash: the script registers itself and completes commands and flag values', () => {
  assert.equal(shell('bash', `${load('bash')}\ncomplete -p bootherd`).trim(), 'complete -F _bootherd bootherd');
  const table: Array<[string[], string[]]> = [
    [['n'], ['nodes']],
    [['nodes', 'l'], ['list']],
    [['rules', ''], ['list', 'show', 'add', 'edit', 'rm', 'apply']],
    [['nodes', 'list', '--st'], ['--state']],
    [['nodes', 'list', '--state', 'r'], ['ready', 'rescue', 'retired']],
    [['nodes', 'list', '-o', ''], ['table', 'wide', 'json', 'yaml']],
    [['nodes', 'action', 'pi01', 're'], ['rescue', 'reboot', 'retire', 'reset', 'reprovision-root']],
    [['serve', '--log-level', 'w'], ['warn']],
    [['completion', ''], ['bash', 'zsh']],
    [['eeprom-config', '--pi', ''], ['4', '5']],
  ];
  for (const [typed, want] of table) assert.deepEqual(bashComplete(typed), want, typed.join(' '));
  writeFileSync(path.join(dir, 'rack1.yaml'), 'name: rack1\n');
  assert.deepEqual(bashComplete(['rules', 'add', '-f', path.join(dir, 'rack')]), [path.join(dir, 'rack1.yaml')], 'file values complete to files');
});

test('bash: every command completes to exactly its own flags', () => {
  for (const c of commands) {
    const want = [...Object.entries(c.flags).flatMap(([n, f]) => [`--${n}`, ...(f.short ? [`-${f.short}`] : [])]), '--help', '-h'].sort();
    assert.deepEqual(bashComplete([...c.name.split(' '), '-']).sort(), want, c.name);
  }
});

test('zsh: the script registers with compinit and offers commands with their summaries', () => {
  assert.equal(shell('zsh', `autoload -U compinit && compinit -u -d ${dir}/zcompdump\n${load('zsh')}\nprint -r -- \${_comps[bootherd]}`).trim(), '_bootherd');
  // The completion builtins only exist inside a completion widget: stand-ins print what would be offered.
  const stubs = `compdef() { :; }\n${saved('zsh')}\n_describe() { print -rl -- \${(P)4}; }\ncompadd() { shift; print -rl -- "$@"; }\n_files() { print -r -- "files $*"; }`;
  const offer = (typed: string[]) => shell('zsh', `${stubs}\nwords=(bootherd ${typed.map(q).join(' ')}); CURRENT=${typed.length + 1}; _bootherd`).split('\n').filter(Boolean);
  assert.deepEqual(offer(['rules', '']), commands.filter((c) => c.name.startsWith('rules ')).map((c) => `${c.name.split(' ')[1]}:${c.summary}`));
  assert.deepEqual(offer(['nodes', 'list', '--state', '']), ['new', 'ready', 'installing', 'deployed', 'rescue', 'failed', 'retired']);
  assert.ok(offer(['serve', '--']).includes('--http:HTTP listen address (default 0.0.0.0:8080; port 0: any free port)'));
  assert.deepEqual(offer(['serve', '--config', '']), ['files ']);
  assert.deepEqual(offer(['serve', '--data-dir', '']), ['files -/']);
});
