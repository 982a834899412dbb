// The nunjucks environment: the operator's templates dir layered over the
// built-in boot-templates/. Operators own templates, so they are not
// sandboxed; the values passed in are validated instead. Undefined variables
// are errors, never silently empty. Every template is compiled once at start,
// so a broken one stops bootherd naming its file and line instead of failing
// each boot that needs it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { AppError } from '../errors.js';

/** Renders `<name>.njk` from the first templates dir that has it. */
export interface TemplateRenderer {
  render(name: string, context: Record<string, unknown>): string;
  has(name: string): boolean;
  /** Compiles every template in every dir; AppError listing each broken one as `file:line:column: message`. */
  check(): void;
}

function templatesUnder(dir: string, rel = ''): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? templatesUnder(dir, path.join(rel, e.name)) : e.name.endsWith('.njk') ? [path.join(rel, e.name)] : []));
}

// nunjucks says `(file) [Line 3, Column 18]\n  message`, without a line at the end of the file.
function describe(err: Error, file: string): string {
  const m = /^\((.*?)\)(?: \[Line (\d+), Column (\d+)\])?\s*([\s\S]*)$/.exec(err.message);
  const what = (m?.[4] ?? err.message).trim().replace(/\s+/g, ' ');
  if (m?.[2]) return `${file}:${m[2]}:${m[3]}: ${what}`;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return `${file}:${lines}: at the end of the file: ${what}`;
}

/** Creates the renderer; `dirs` in priority order (operator dir first). */
export function createTemplateRenderer(dirs: string[]): TemplateRenderer {
  const loader = new nunjucks.FileSystemLoader(dirs, { noCache: false });
  const env = new nunjucks.Environment(loader, { autoescape: false, throwOnUndefined: true, trimBlocks: false });
  function check(): void {
    const problems: string[] = [];
    const names = new Set(dirs.flatMap((d) => templatesUnder(d)));
    for (const name of names) {
      try {
        env.getTemplate(name, true);
      } catch (err) {
        const file = loader.getSource(name)?.path ?? name;
        problems.push(describe(err as Error, file));
      }
    }
    if (problems.length) throw new AppError('templates', `templates: ${problems.length} cannot be compiled:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return {
    render: (name, context) => env.render(`${name}.njk`, context),
    has: (name) => loader.getSource(`${name}.njk`) !== null,
    check,
  };
}
