// The nunjucks environment: the operator's templates dir layered over the
// built-in boot-templates/. Operators own templates, so they are not
// sandboxed; the values passed in are validated instead. Undefined variables
// are errors, never silently empty.
import nunjucks from 'nunjucks';

/** Renders `<name>.njk` from the first templates dir that has it. */
export interface TemplateRenderer {
  render(name: string, context: Record<string, unknown>): string;
  has(name: string): boolean;
}

/** Creates the renderer; `dirs` in priority order (operator dir first). */
export function createTemplateRenderer(dirs: string[]): TemplateRenderer {
  const loader = new nunjucks.FileSystemLoader(dirs, { noCache: false });
  const env = new nunjucks.Environment(loader, { autoescape: false, throwOnUndefined: true, trimBlocks: false });
  return {
    render: (name, context) => env.render(`${name}.njk`, context),
    has: (name) => loader.getSource(`${name}.njk`) !== null,
  };
}
