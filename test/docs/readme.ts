// Reading the README the way the docs tests need it: its sections, tables and
// fenced blocks, as a reader sees them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/paths.js';

/** The README's text. */
export function readme(file = 'README.md'): string {
  return readFileSync(path.join(packageRoot, file), 'utf8');
}

/** The text of the section whose `## ` heading starts with `title`, up to the next heading of the same level. */
export function section(text: string, title: string, level = 2): string {
  const marks = '#'.repeat(level);
  const lines = text.split('\n');
  // Lines inside fenced blocks are never headings (a shell comment starts with '# ').
  let inFence = false;
  const heading = lines.map((l) => {
    if (/^\s*```/.test(l)) return ((inFence = !inFence), '');
    return inFence ? '' : l;
  });
  const start = heading.findIndex((l) => l.startsWith(`${marks} ${title}`));
  if (start < 0) throw new Error(`README: no section '${marks} ${title}'`);
  const end = heading.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** The rows of the first table in `text` whose header row starts with `header`, each as its cells. */
export function tableRows(text: string, header: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(header));
  if (start < 0) throw new Error(`README: no table headed '${header}'`);
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(1, l.endsWith('|') ? -1 : undefined).split(' | ').map((c) => c.trim()));
  }
  return rows;
}

/** One fenced code block: its info string (```sh walkthrough -> "sh walkthrough"), its text, and the line it starts on. */
export interface Fence {
  info: string;
  body: string;
  line: number;
}

/** Every fenced block of `text`, in order. */
export function fences(text: string): Fence[] {
  const out: Fence[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    out.push({ info: open[2]!.trim(), body: body.join('\n'), line: i + 1 });
    i = j;
  }
  return out;
}

/** The backticked spans of a cell (`a`, `b` -> [a, b]). */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}
