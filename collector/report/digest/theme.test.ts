import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SynError } from '../../../core/errors.ts';
import { tempDir } from '../../ingest/testing.ts';
import { DEFAULT_COLOURS, loadTheme } from './theme.ts';

const root = new URL('../../..', import.meta.url).pathname;
let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('syn-theme-');
});
afterEach(() => tmp.cleanup());

function themeError(json: string): SynError {
  writeFileSync(join(tmp.dir, 'theme.json'), json);
  try {
    loadTheme(tmp.dir, 'Pat');
  } catch (e) {
    if (e instanceof SynError) return e;
    throw e;
  }
  throw new Error('loadTheme accepted the file');
}

describe('theme.json', () => {
  it('names a misspelt key, the expected keys and where theme.json is documented', () => {
    const e = themeError(JSON.stringify({ product: 'Backup Watch', colors: { failed: '#ff0000' } }));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/theme\.json: invalid configuration/);
    expect(e.message).toMatch(/unknown key "colors"/);
    expect(e.message).toMatch(/expected one of: product, colours/);
    expect(e.message).toContain('README.md ("Your own branding")');
    expect(e.message).not.toContain('config/*.example.yaml');
  });

  it('lists the colour names when a colour name is misspelt', () => {
    const e = themeError(JSON.stringify({ colours: { failure: '#ff0000' } }));
    expect(e.message).toMatch(/colours: unknown key "failure"/);
    expect(e.message).toContain(`expected one of: ${Object.keys(DEFAULT_COLOURS).join(', ')}`);
  });

  it('points at the documentation when the file is not JSON', () => {
    const e = themeError('{ product: "Backup Watch" }');
    expect(e.message).toContain('README.md ("Your own branding")');
  });

  it('is documented key by key in the README and the example collector config', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const branding = readme.slice(readme.indexOf('**Your own branding.**'), readme.indexOf('## Exit codes'));
    const example = readFileSync(join(root, 'config/collector.example.yaml'), 'utf8');
    for (const doc of [branding, example]) {
      expect(doc).toContain('theme.json');
      for (const key of ['product', 'colours', ...Object.keys(DEFAULT_COLOURS)]) expect(doc).toMatch(new RegExp(`"${key}"`));
    }
  });
});
