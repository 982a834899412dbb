// The docs point only at what a checkout has: every repo path or link in a
// README exists, no README leans on a document the repo does not ship, and
// the discovery image's README gives `image build` exactly the flags the CLI's
// own help lists.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { runCli } from '../helpers/process.js';
import { codeSpans, fences, readme } from './readme.js';
import { commands } from '../../src/cli/registry.js';
import { findCommand } from '../../src/cli/parse.js';
import { bootherdCommands, cliRefuses, shellWords } from './shell.js';

const readmes = ['README.md', 'discovery-image/README.md', 'boot-templates/rootfs/README.md'];
const topLevel = new Set(readdirSync(packageRoot).filter((f) => !f.startsWith('.') && f !== 'node_modules' && f !== 'dist'));
const sourceExt = /\.(ts|js|md|txt|sh|py|json|ya?ml|njk|service|png)$/;

/** The text outside fenced blocks (a block shows commands and files of a host, not of the repo). */
function prose(text: string): string {
  let inFence = false;
  return text.split('\n').filter((l) => (/^\s*```/.test(l) ? ((inFence = !inFence), false) : !inFence)).join('\n');
}

/** Spans and link targets of `text` that name a file of the repo: under a top-level entry, or relative with a source extension. */
function repoPaths(text: string, dir: string): string[] {
  const spans = codeSpans(prose(text)).filter((s) => !/\s/.test(s));
  const links = [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^(https?:|mailto:|#)/.test(l)).map((l) => l.split('#')[0]!);
  const looksLocal = (s: string) => {
    if (/^[/~<.$]|:\/\/|=/.test(s) || !s.includes('/')) return false;
    const first = s.split('/')[0]!;
    return topLevel.has(first) || existsSync(path.join(packageRoot, dir, first)) || sourceExt.test(s);
  };
  return [...new Set([...spans.filter(looksLocal), ...links])];
}

/** A path up to its first placeholder segment (`boot-templates/rpi/<plan>/` -> `boot-templates/rpi`). */
function fixedPart(p: string): string {
  const segs = p.split('/');
  const at = segs.findIndex((s) => /[<{*]/.test(s));
  return segs.slice(0, at < 0 ? undefined : at).filter(Boolean).join('/');
}

test('every repo path and link in the READMEs exists in the checkout', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const file of readmes) {
    const dir = path.dirname(file);
    for (const p of repoPaths(readme(file), dir)) {
      const fixed = fixedPart(p);
      if (!fixed) continue;
      checked++;
      // A template X.njk is what a README names as the X it renders.
      const exists = (f: string) => existsSync(f) || existsSync(`${f}.njk`);
      if (!exists(path.join(packageRoot, dir, fixed)) && !exists(path.join(packageRoot, fixed))) missing.push(`${file}: ${p}`);
    }
  }
  assert.deepEqual(missing, []);
  assert.ok(checked >= 20, `checked ${checked} paths`);
});

test('no README refers to a document the repo does not ship (DESIGN.md, DESIGN §N, ...)', () => {
  const refs: string[] = [];
  for (const file of readmes) {
    const text = prose(readme(file));
    for (const m of text.matchAll(/\b([A-Z][A-Z-]+)(\.md\b| §)/g)) {
      const doc = `${m[1]}.md`;
      if (!existsSync(path.join(packageRoot, path.dirname(file), doc)) && !existsSync(path.join(packageRoot, doc))) refs.push(`${file}: ${m[0]}`);
    }
  }
  assert.deepEqual(refs, []);
});

/** The anchor GitHub gives a heading: lowercased, punctuation dropped, spaces to dashes. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

test("every #anchor a README links to is one of its headings", () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of readmes) {
    const text = prose(readme(file));
    const anchors = new Set(text.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
    for (const m of text.matchAll(/\]\(#([^)\s]+)\)/g)) {
      checked++;
      if (!anchors.has(m[1]!)) broken.push(`${file}: #${m[1]}`);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(checked >= 10, `checked ${checked} anchors`);
});

/** Every `bootherd ...` command in a README's code spans, as written. */
// A plausible value for each kind of value a usage line names.
const samples: Record<string, string> = { DIR: '/tmp/x', FILE: '/tmp/x.yaml', URL: 'http://deb.debian.org/debian', SUITE: 'bookworm' };

const commandSpans = (file: string) => codeSpans(prose(readme(file))).filter((s) => s.startsWith('bootherd '));

test("the discovery image's README names image build with exactly the flags of its --help", async () => {
  const spans = commandSpans('discovery-image/README.md').filter((s) => s.includes('--arch'));
  assert.ok(spans.length > 0, 'the README says how to build');
  const help = await runCli(['image', 'build', '--help']);
  assert.equal(help.code, 0, help.stderr);
  const helpFlags = [...help.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help');
  assert.ok(helpFlags.includes('--arch') && helpFlags.includes('--out'), help.stdout);
  for (const span of spans) {
    const words = shellWords(span.replace(/[[\]]/g, ' '));
    const flags = words.filter((w) => w.startsWith('--'));
    assert.deepEqual(flags.filter((f) => !helpFlags.includes(f)), [], `${span}: flags image build --help does not list`);
    assert.deepEqual(helpFlags.filter((f) => !flags.includes(f)), [], `${span}: flags of image build --help the README leaves out`);
    // With a value of each kind the README names, the line is one the CLI takes.
    const runnable = words.slice(1).map((w) => (w.includes('|') ? w.split('|')[0]! : (samples[w] ?? w)));
    assert.equal(cliRefuses(runnable), null);
  }
  const scripts = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).scripts as Record<string, string>;
  for (const m of readme('discovery-image/README.md').matchAll(/npm run ([\w:-]+)/g)) assert.ok(scripts[m[1]!], `npm run ${m[1]} is a script`);
});

/** Why the command a span names, or one of its flags, is not the CLI's (null when all are); `a|b` names both. */
function notTheCli(span: string): string | null {
  const words = shellWords(span.replace(/\s[|>].*$/, '').replace(/[[\]]/g, ' ')).slice(1);
  const alt = words.findIndex((w) => w.includes('|') && !w.startsWith('-'));
  if (alt >= 0 && alt < 2) {
    for (const w of words[alt]!.split('|')) {
      const why = notTheCli(['bootherd', ...words.slice(0, alt), w, ...words.slice(alt + 1)].join(' '));
      if (why) return why;
    }
    return null;
  }
  let found: ReturnType<typeof findCommand>;
  try {
    found = findCommand(commands, words);
  } catch (err) {
    return (err as Error).message;
  }
  const helpOnly = found.rest.every((w) => w === '--help' || w === '-h');
  if (!('command' in found)) return helpOnly ? null : 'names no command';
  const known = new Set(Object.entries({ ...found.command.flags, help: { short: 'h' } }).flatMap(([k, f]) => [`--${k}`, ...(f.short ? [`-${f.short}`] : [])]));
  const unknown = found.rest.filter((w) => /^--?[a-z]/.test(w)).map((w) => w.split('=')[0]!).filter((w) => !known.has(w));
  return unknown.length ? `${found.command.name} takes no ${unknown.join(', ')}` : null;
}

test('every bootherd command the READMEs name in prose is a command of the CLI, with its flags', () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const file of readmes) {
    for (const span of commandSpans(file)) {
      checked++;
      const why = notTheCli(span);
      if (why) wrong.push(`${file}: ${span}: ${why}`);
    }
  }
  // And every bootherd line of a shell block, read by the CLI's own parser.
  for (const file of readmes) {
    for (const f of fences(readme(file)).filter((b) => /^(sh|bash|shell)\b/.test(b.info))) {
      for (const argv of bootherdCommands(f.body)) {
        checked++;
        const why = cliRefuses(argv);
        if (why) wrong.push(`${file}:${f.line}: ${why}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked >= 30, `checked ${checked}`);
});
