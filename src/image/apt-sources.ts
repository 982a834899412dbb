// Finds the Debian mirror the host's own apt configuration names, so no mirror
// host is ever written into bootherd's code.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ImageBuildError } from './errors.js';

/** One apt source: a mirror URI and the suites it serves. */
export interface AptSource {
  uri: string;
  suites: string[];
}

/** Parses deb822 `.sources` text into its `Types: deb` entries. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m && !line.startsWith('#')) fields.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if (fields.get('enabled') === 'no') continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) out.push({ uri, suites });
  }
  return out;
}

/** Parses one-line-style `sources.list` text (`deb [opts] URI suite comp...`). */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ uri: m[1]!, suites: [m[2]!] });
  }
  return out;
}

/** Picks the main archive mirror: a source serving the plain suite, not -security/-updates. */
export function pickMirror(sources: AptSource[], suite: string): string | undefined {
  const plain = sources.find((s) => s.suites.includes(suite));
  const main = plain ?? sources.find((s) => s.suites.some((x) => !/-(security|updates|backports)$/.test(x)));
  return main?.uri.replace(/\/+$/, '');
}

/** Reads the host's apt config under `etcApt` and returns its main mirror URI. */
export async function hostMirror(suite: string, etcApt = '/etc/apt'): Promise<string> {
  const sources: AptSource[] = [];
  const partsDir = path.join(etcApt, 'sources.list.d');
  const parts = await readdir(partsDir).catch(() => [] as string[]);
  for (const name of parts.sort()) {
    const text = await readFile(path.join(partsDir, name), 'utf8').catch(() => '');
    if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(text));
    else if (name.endsWith('.list')) sources.push(...parseOneLineSources(text));
  }
  sources.push(...parseOneLineSources(await readFile(path.join(etcApt, 'sources.list'), 'utf8').catch(() => '')));
  const mirror = pickMirror(sources, suite);
  if (!mirror) throw new ImageBuildError(`no debian mirror: ${etcApt} names none; pass --mirror URL`);
  return mirror;
}
