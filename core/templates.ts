import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SynError } from './errors.ts';
import { PROJECT_ROOT } from './paths.ts';
import { formatBytes, formatDuration } from './units.ts';

// Re-exported for the modules that import them from here; code that needs no template (the
// status engine) imports units.ts and so does not load Handlebars.
export { formatBytes, formatDuration };

/** The built-in templates folder (`templates/` at the project root). */
export const BUILTIN_TEMPLATES_DIR = join(PROJECT_ROOT, 'templates');

/**
 * Renders Handlebars templates by name. A consultant's own folder, when given, takes precedence
 * file by file over the built-in templates. Names ending in `.html.hbs` are HTML-escaped
 * (Handlebars' own escaper); every other template is plain text and is not escaped.
 */
export class TemplateSet {
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private readonly hb = Handlebars.create();

  constructor(private readonly overrideDir?: string) {
    registerHelpers(this.hb);
  }

  /** The path a template name resolves to: the override folder first, then the built-ins. */
  pathOf(name: string): string {
    if (this.overrideDir) {
      const own = join(this.overrideDir, name);
      if (existsSync(own)) return own;
    }
    const builtin = join(BUILTIN_TEMPLATES_DIR, name);
    if (existsSync(builtin)) return builtin;
    throw new SynError('NOT_FOUND', `template "${name}" not found in ${this.overrideDir ? `${this.overrideDir} or ` : ''}${BUILTIN_TEMPLATES_DIR}`);
  }

  render(name: string, data: unknown): string {
    let t = this.cache.get(name);
    if (!t) {
      const path = this.pathOf(name);
      const html = name.endsWith('.html.hbs');
      try {
        t = this.hb.compile(readFileSync(path, 'utf8'), { noEscape: !html, strict: false });
      } catch (e) {
        throw new SynError('REPORT_FAILED', `template ${path} cannot be read`, { cause: e });
      }
      this.cache.set(name, t);
    }
    try {
      return t(data);
    } catch (e) {
      throw new SynError('REPORT_FAILED', `template ${name} failed to render`, { cause: e });
    }
  }

  /** Registers a partial from a template file (resolved like any template). */
  registerPartial(partialName: string, file: string): void {
    this.hb.registerPartial(partialName, readFileSync(this.pathOf(file), 'utf8'));
  }

  /** Registers an extra helper for this set only. */
  registerHelper(name: string, fn: Handlebars.HelperDelegate): void {
    this.hb.registerHelper(name, fn);
  }
}

function registerHelpers(hb: typeof Handlebars): void {
  hb.registerHelper('bytes', (n: unknown) => formatBytes(Number(n)));
  hb.registerHelper('duration', (ms: unknown) => formatDuration(Number(ms)));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('upper', (s: unknown) => String(s ?? '').toUpperCase());
  hb.registerHelper('plural', (n: unknown, one: unknown, many: unknown) => (Number(n) === 1 ? one : many));
}
