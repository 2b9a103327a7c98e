import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { validateConfig } from '../../../core/config.ts';
import { SynError, describeError } from '../../../core/errors.ts';

/**
 * What a consultant's branding may change without touching a template: the product name shown
 * in the header, the colours of states and accents, and a logo. All of it travels in the report
 * model, so a template override can use it or replace it. The override folder (config key
 * `templates`) may hold `theme.json` (keys below) and `logo.png`, `logo.jpg` or `logo.gif`; the
 * logo is embedded as a data: URI, never fetched.
 */
export const Colours = z
  .object({
    ok: z.string(),
    warning: z.string(),
    failed: z.string(),
    late: z.string(),
    missing: z.string(),
    none: z.string(),
    neutral: z.string(),
    accent: z.string(),
    text: z.string(),
    muted: z.string(),
    line: z.string(),
    background: z.string(),
  })
  .strict();
export type Colours = z.infer<typeof Colours>;

export const DEFAULT_COLOURS: Colours = {
  ok: '#2e7d32',
  warning: '#e6a700',
  failed: '#c62828',
  late: '#ef6c00',
  missing: '#6a1b9a',
  none: '#e3e6ea',
  neutral: '#78909c',
  accent: '#1f4e79',
  text: '#1c2430',
  muted: '#5f6b7a',
  line: '#dde2e8',
  background: '#f4f6f8',
};

const colour = z.string().regex(/^#[0-9A-Fa-f]{3}([0-9A-Fa-f]{3})?$/, 'a colour written #rgb or #rrggbb');
const ThemeFile = z
  .object({
    product: z.string().min(1).max(80).optional(),
    colours: z.object(Object.fromEntries(Object.keys(DEFAULT_COLOURS).map((k) => [k, colour.optional()]))).strict().optional(),
  })
  .strict();

/** Where theme.json is documented, named in its error messages. */
const THEME_DOCS = 'the theme.json keys in README.md ("Your own branding") and config/collector.example.yaml (templates:)';

export interface Theme {
  product: string;
  consultantName: string;
  colours: Colours;
  /** data: URI of the consultant's logo, or null. */
  logo: string | null;
}

const LOGOS: [string, string][] = [['logo.png', 'image/png'], ['logo.jpg', 'image/jpeg'], ['logo.jpeg', 'image/jpeg'], ['logo.gif', 'image/gif']];

/** The theme for a consultant: defaults, then `theme.json` and a logo from the override folder. */
export function loadTheme(overrideDir: string | undefined, consultantName: string): Theme {
  const theme: Theme = { product: 'Synecdoche', consultantName, colours: { ...DEFAULT_COLOURS }, logo: null };
  if (!overrideDir) return theme;
  const file = join(overrideDir, 'theme.json');
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new SynError('CONFIG_INVALID', `${file}: not valid JSON (${describeError(e)}); expected { "product": ..., "colours": { "failed": "#c62828", ... } }, see ${THEME_DOCS}`, { cause: e });
    }
    const t = validateConfig(raw, ThemeFile, file, THEME_DOCS);
    if (t.product) theme.product = t.product;
    for (const [k, v] of Object.entries(t.colours ?? {})) if (typeof v === 'string') theme.colours[k as keyof Colours] = v;
  }
  for (const [name, type] of LOGOS) {
    const p = join(overrideDir, name);
    if (existsSync(p)) {
      theme.logo = `data:${type};base64,${readFileSync(p).toString('base64')}`;
      break;
    }
  }
  return theme;
}
