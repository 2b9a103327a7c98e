import { existsSync } from 'node:fs';
import { win32 } from 'node:path';
import { SynError } from '../../core/errors.ts';

/**
 * Where Chrome, Chromium and Edge usually live, per platform. Exported so a caller (or a test)
 * can show the user what was searched, or pass a list of its own to `findBrowser`.
 */
export function defaultBrowserCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'darwin') {
    return [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ];
  }
  if (platform === 'win32') {
    const roots = [env['ProgramFiles'], env['ProgramFiles(x86)'], env['LOCALAPPDATA'] ?? env['LocalAppData']]
      .filter((r): r is string => typeof r === 'string' && r.length > 0);
    const rel = [
      ['Google', 'Chrome', 'Application', 'chrome.exe'],
      ['Microsoft', 'Edge', 'Application', 'msedge.exe'],
    ];
    return rel.flatMap((parts) => roots.map((root) => win32.join(root, ...parts)));
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/usr/bin/microsoft-edge',
  ];
}

export interface FindBrowserOptions {
  /** `pdf.browser` from the config: when given it MUST exist, or the config is wrong. */
  configured?: string;
  env: NodeJS.ProcessEnv;
  /** The usual places to search; defaults to `defaultBrowserCandidates` for this platform. */
  candidates?: readonly string[];
  platform?: NodeJS.Platform;
}

/**
 * Finds a Chromium-family browser for PDFs: the configured path first, then
 * PUPPETEER_EXECUTABLE_PATH / CHROME_PATH, then the usual places. Returns null when none is
 * found, because reports are still produced as HTML without one; a configured path or variable
 * that names a missing file is an error instead, since the user asked for that browser.
 */
export function findBrowser(opts: FindBrowserOptions): string | null {
  if (opts.configured !== undefined && opts.configured !== '') {
    if (!existsSync(opts.configured)) {
      throw new SynError('CONFIG_INVALID', `pdf.browser: "${opts.configured}" does not exist; expected the path of a Chrome, Chromium or Edge executable`);
    }
    return opts.configured;
  }
  for (const name of ['PUPPETEER_EXECUTABLE_PATH', 'CHROME_PATH']) {
    const p = opts.env[name];
    if (p === undefined || p === '') continue;
    // A stale variable is a mistake to report, not something to step over silently.
    if (!existsSync(p)) throw new SynError('CONFIG_INVALID', `${name}: "${p}" does not exist; expected the path of a Chrome, Chromium or Edge executable`);
    return p;
  }
  const candidates = opts.candidates ?? defaultBrowserCandidates(opts.platform ?? process.platform, opts.env);
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** What to tell a user who has no browser, for messages and the digest. */
export const HOW_TO_GET_PDFS =
  'install Chromium or Google Chrome (Debian/Ubuntu: apt-get install chromium), or set pdf.browser in the config, or set PUPPETEER_EXECUTABLE_PATH to a Chrome/Chromium/Edge executable';
