import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSynError } from '../../core/errors.ts';
import { defaultBrowserCandidates, findBrowser } from './browser.ts';

const dir = mkdtempSync(join(tmpdir(), 'syn-browser-'));
const fakeChrome = join(dir, 'my-chrome');
writeFileSync(fakeChrome, '#!/bin/sh\n');
chmodSync(fakeChrome, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findBrowser', () => {
  it('finds the system Chromium in the usual places', () => {
    expect(findBrowser({ env: {} })).toBe('/usr/bin/chromium');
  });

  it('prefers the configured path over the environment and the usual places', () => {
    expect(findBrowser({ configured: fakeChrome, env: { PUPPETEER_EXECUTABLE_PATH: '/usr/bin/chromium' } })).toBe(fakeChrome);
  });

  it('honours PUPPETEER_EXECUTABLE_PATH, then CHROME_PATH, before the usual places', () => {
    expect(findBrowser({ env: { PUPPETEER_EXECUTABLE_PATH: fakeChrome, CHROME_PATH: '/usr/bin/chromium' } })).toBe(fakeChrome);
    expect(findBrowser({ env: { CHROME_PATH: fakeChrome } })).toBe(fakeChrome);
  });

  it('rejects a configured browser that does not exist, naming the key and the path', () => {
    const missing = join(dir, 'no-such-chrome');
    let err: unknown;
    try {
      findBrowser({ configured: missing, env: {} });
    } catch (e) {
      err = e;
    }
    expect(isSynError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('pdf.browser');
    expect((err as Error).message).toContain(missing);
  });

  it('rejects PUPPETEER_EXECUTABLE_PATH naming a missing file instead of silently looking elsewhere', () => {
    expect(() => findBrowser({ env: { PUPPETEER_EXECUTABLE_PATH: '/nope/chrome' } })).toThrow(/PUPPETEER_EXECUTABLE_PATH.*\/nope\/chrome/);
  });

  it('returns null when no candidate exists', () => {
    expect(findBrowser({ env: {}, candidates: [] })).toBeNull();
    expect(findBrowser({ env: {}, candidates: [join(dir, 'absent')] })).toBeNull();
  });

  it('searches Program Files and LocalAppData for Chrome and Edge on Windows', () => {
    const c = defaultBrowserCandidates('win32', { ProgramFiles: 'C:\\PF', 'ProgramFiles(x86)': 'C:\\PF86', LOCALAPPDATA: 'C:\\U\\L' });
    expect(c).toHaveLength(6);
    expect(c).toContain('C:\\PF86\\Google\\Chrome\\Application\\chrome.exe');
    expect(c.some((p) => p.startsWith('C:\\U\\L') && p.endsWith('msedge.exe'))).toBe(true);
  });

  it('searches the application bundles on macOS', () => {
    expect(defaultBrowserCandidates('darwin', {})).toContain('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
  });
});
