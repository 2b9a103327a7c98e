import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { main } from '../../cli/main.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { LAUNCH_ARGS } from '../report/pdf.ts';
import { seedScenario, XSS_ERROR, XSS_NAME, SCENARIO_NOW, type Scenario } from '../report/digest/testing.ts';
import { statusToJson } from '../status/format.ts';
import { statusAt } from '../report/digest/build.ts';
import { insertMessage } from '../store/messages.ts';
import { addLink, addUser } from './accounts.ts';
import { startWebServer, type RunningWeb } from './server.ts';

/**
 * The dashboard in a real Chromium (puppeteer-core, the system browser): signing in, the
 * overview, a failed job, releasing from the quarantine with the CSRF token, a client account
 * that can reach nothing of another client, hostile names shown as text, keyboard use.
 */
const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';
const API_TOKEN = 'api-token-for-the-test-0123456789';
let dir: string;
let s: Scenario;
let web: RunningWeb;
let browser: Browser;
let linkToken: string;
const dialogs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syn-web-'));
  s = seedScenario(dir, { web: { apiToken: { env: 'SYN_TEST_API_TOKEN' } } });
  const now = SCENARIO_NOW.getTime();
  await addUser(s.db, { name: 'pat', clientId: null, readOnly: false }, 'consultant password 1', now);
  await addUser(s.db, { name: 'acme-office', clientId: 'acme', readOnly: false }, 'acme office password', now);
  linkToken = addLink(s.db, 'cedar', now).token;
  insertMessage(s.db, {
    source: 'local', sourceId: 'h1', messageId: '<hostile@evil.example>', from: 'mallory@evil.example', subject: '<img src=x onerror=alert(3)> urgent',
    sha256: 'c'.repeat(64), size: 100, receivedAt: now - 3_600_000, ingestedAt: now - 3_600_000, disposition: 'quarantined', reason: 'unsigned',
    detail: '<script>alert(4)</script>', siteId: null, runId: null, rawGz: null,
  });
  web = await startWebServer({ db: s.db, cfg: s.cfg, clock: new FakeClock(SCENARIO_NOW), log: silentLogger, env: { SYN_TEST_API_TOKEN: API_TOKEN } }, { port: 0 });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...LAUNCH_ARGS, `--user-data-dir=${join(dir, 'chromium')}`] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  s?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  return page;
}

async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.goto(`${web.url}login`);
  await page.type('#name', name);
  await page.type('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

/** Every same-origin link reachable from `start`, visited once: path -> [status, body]. */
async function crawl(page: Page, start: string): Promise<Map<string, { status: number; body: string }>> {
  const seen = new Map<string, { status: number; body: string }>();
  const queue = [start];
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path) || seen.size > 200) continue;
    if (path.includes('download=1')) {
      // A download is no page to navigate to: fetch it with the session instead.
      const cookie = (await page.cookies(web.url)).map((c) => `${c.name}=${c.value}`).join('; ');
      const r = await fetch(`${web.url.replace(/\/$/, '')}${path}`, { headers: { cookie } });
      seen.set(path, { status: r.status, body: await r.text() });
      continue;
    }
    const res = await page.goto(`${web.url.replace(/\/$/, '')}${path}`);
    const body = (await res?.text()) ?? '';
    seen.set(path, { status: res?.status() ?? 0, body });
    const links = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href') ?? ''));
    for (const l of links) if (l.startsWith('/') && !l.startsWith('//') && !seen.has(l)) queue.push(l.split('#')[0]!);
  }
  return seen;
}

describe('the consultant', () => {
  it('signs in and sees the overview: attention first, every client, pipeline health, as the digest says', async () => {
    const page = await newPage();
    await signIn(page, 'pat', 'consultant password 1');
    expect(new URL(page.url()).pathname).toBe('/');
    const headings = await page.$$eval('h2', (h) => h.map((x) => x.textContent));
    expect(headings).toEqual(['Needs attention', 'Every client', 'Pipeline health']);
    const attention = await page.$$eval('#attention + table tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
    const report = statusAt(s.db, s.cfg, SCENARIO_NOW);
    for (const j of report.jobs.filter((x) => x.state === 'failed')) expect(attention.some((t) => t.includes(j.jobName)), j.jobName).toBe(true);
    expect(await page.$eval('.summary', (e) => e.textContent)).toMatch(/failed/);
    await page.close();
  });

  it('opens a failed job from the overview and sees its runs with the error, and shows hostile names as text', async () => {
    const page = await newPage();
    await signIn(page, 'pat', 'consultant password 1');
    await Promise.all([page.waitForNavigation(), page.click('a[href="/jobs/bolt-hq/ledger"]')]);
    expect(await page.$eval('h1', (e) => e.textContent)).toContain(XSS_NAME);
    expect(await page.$eval('.runs .err', (e) => e.textContent)).toBe(XSS_ERROR);
    // No markup from the data: the only script is the layout's own file, and nothing ran.
    expect(await page.$$eval('script', (xs) => xs.map((x) => x.getAttribute('src')))).toEqual(['/static/refresh.js']);
    expect(await page.$$('img')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('releases a quarantined message only with the form\'s CSRF token, and the page shows the outcome', async () => {
    const page = await newPage();
    await signIn(page, 'pat', 'consultant password 1');
    await page.goto(`${web.url}quarantine`);
    expect(await page.$eval('main', (m) => m.textContent)).toContain('<img src=x onerror=alert(3)> urgent');
    // A forged form without the token: refused, as if the path did not exist.
    const forged = await page.evaluate(async (id) => (await fetch(`/quarantine/${id}/release`, { method: 'POST', body: new URLSearchParams({ _csrf: 'wrong' }) })).status, 1);
    expect(forged).toBe(404);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/quarantine/1/release"] button')]);
    expect(await page.$eval('[role=status]', (e) => e.textContent)).toMatch(/^(message 1 released|message 1 still fails|message 1 has no stored raw bytes)/);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('sees a site\'s agent, heartbeat and jobs, and the report archive with its verification', async () => {
    const cfgFile = join(dir, 'collector.yaml');
    writeFileSync(cfgFile, stringify(s.raw));
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    expect(await main(['node', 'synecdoche', 'report', 'digest', '-c', cfgFile, '--date', '2026-11-24'], {}, { stdout: quiet, stderr: quiet })).toBe(0);
    const page = await newPage();
    await signIn(page, 'pat', 'consultant password 1');
    await page.goto(`${web.url}sites/bolt-hq`);
    const site = await page.$eval('main', (m) => m.textContent ?? '');
    expect(site).toContain('Accounts database');
    expect(site).toMatch(/Agent version\s*\S+/);
    await page.goto(`${web.url}archive`);
    expect(await page.$eval('main p', (e) => e.textContent)).toMatch(/^verify-archive: /);
    expect(await page.$eval('main p', (e) => e.className)).toBe('ok');
    const href = await page.$eval('main table a', (a) => a.getAttribute('href'));
    const res = await fetch(`${web.url.replace(/\/$/, '')}${href}`, { headers: { cookie: (await page.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(await res.text()).toContain('Accounts database');
    await page.close();
  });

  it('deletes a quarantined message after a confirmation page, with the CSRF token', async () => {
    const page = await newPage();
    await signIn(page, 'pat', 'consultant password 1');
    const id = s.db.prepare<[], { id: number }>("SELECT id FROM messages WHERE disposition = 'quarantined' ORDER BY id DESC LIMIT 1").get()!.id;
    await page.goto(`${web.url}quarantine/${id}/delete`);
    expect(await page.$eval('h1', (e) => e.textContent)).toBe(`Delete message ${id}?`);
    const forged = await page.evaluate(async (m) => (await fetch(`/quarantine/${m}/delete`, { method: 'POST', body: new URLSearchParams({ _csrf: 'nope' }) })).status, id);
    expect(forged).toBe(404);
    await Promise.all([page.waitForNavigation(), page.click('main form button')]);
    expect(await page.$eval('[role=status]', (e) => e.textContent)).toBe(`message ${id} deleted`);
    expect(s.db.prepare('SELECT 1 FROM messages WHERE id = ?').get(id)).toBeUndefined();
    await page.close();
  });

  it('finds no broken link: every page the consultant can reach from the overview answers 200', async () => {
    const page = await newPage();
    await signIn(page, 'pat', 'consultant password 1');
    const pages = await crawl(page, '/');
    expect(pages.size).toBeGreaterThan(15);
    const broken = [...pages].filter(([, r]) => r.status !== 200).map(([p, r]) => `${p}: ${r.status}`);
    expect(broken).toEqual([]);
    await page.close();
  });

  it('reaches the API and the metrics only with the bearer token, with the same JSON as collector status --json', async () => {
    const closed = await fetch(`${web.url}api/v1/status`);
    expect(closed.status).toBe(401);
    const res = await fetch(`${web.url}api/v1/status`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const body = (await res.json()) as { jobs: { jobId: string; state: string }[] };
    const expected = JSON.parse(JSON.stringify(statusToJson(statusAt(s.db, s.cfg, SCENARIO_NOW)))) as { jobs: { jobId: string; state: string }[] };
    expect(body.jobs.map((j) => [j.jobId, j.state])).toEqual(expected.jobs.map((j) => [j.jobId, j.state]));
    const history = await (await fetch(`${web.url}api/v1/jobs/acme-office/mail/history?limit=3`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json();
    expect(history).toMatchObject({ siteId: 'acme-office', jobId: 'mail', runs: [{ status: 'failed' }, { status: 'failed' }, { status: 'ok' }] });
    const metrics = await (await fetch(`${web.url}metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).text();
    expect(metrics).toContain('synecdoche_job_state{client="acme",site="acme-office",job="mail",state="failed"} 1');
    expect(metrics).toMatch(/synecdoche_quarantine_messages \d+/);
  });

});

describe('a client', () => {
  const others = ['Bolt &amp; Partners', 'Bolt & Partners', 'Cedar Dental', 'Dana Flowers', 'bolt-hq', 'cedar-clinic', 'Accounts database', 'X-ray images', 'Office PCs'];

  it('sees only their own jobs, in plain words, and no link or id of another client leads anywhere', async () => {
    const page = await newPage();
    await signIn(page, 'acme-office', 'acme office password');
    expect(new URL(page.url()).pathname).toBe('/client');
    const text = await page.$eval('main', (m) => m.textContent ?? '');
    expect(text).toContain('Mail archive');
    // Each of its jobs has its 14-day strip and its last good backup.
    expect(await page.$$eval('main table.jobs > tbody > tr', (rows) => rows.map((r) => r.querySelectorAll('table.strip td').length))).toEqual([14, 14]);
    const pages = await crawl(page, '/client');
    for (const [path, { body }] of pages) for (const o of others) expect(body.includes(o), `${path} shows "${o}"`).toBe(false);
    // Every consultant path and every other client's job: the same 404, with nothing in it.
    for (const path of ['/', '/quarantine', '/requests', '/archive', '/archive/1', '/sites/bolt-hq', '/sites/acme-office', '/quarantine/1/delete', '/jobs/bolt-hq/ledger', '/jobs/cedar-clinic/xray', '/jobs/bolt-hq/ledger/runs/x/email', '/api/v1/status', '/metrics', '/jobs/nope/nope']) {
      const res = await page.goto(`${web.url.replace(/\/$/, '')}${path}`);
      const body = (await res?.text()) ?? '';
      expect(path === '/' ? [200, 302, 303].includes(res!.status()) || new URL(page.url()).pathname === '/client' : [401, 404].includes(res!.status()), path).toBe(true);
      for (const o of others) expect(body.includes(o), `${path} shows "${o}"`).toBe(false);
    }
    // Its own job opens.
    const own = await page.goto(`${web.url}jobs/acme-office/mail`);
    expect(own?.status()).toBe(200);
    await page.close();
  });

  it('opens a read-only link without a password, for that client alone', async () => {
    const page = await newPage();
    await page.goto(`${web.url}l/${linkToken}`);
    expect(new URL(page.url()).pathname).toBe('/client');
    const text = await page.$eval('main', (m) => m.textContent ?? '');
    expect(text).toContain('X-ray images');
    expect(text).not.toContain('Mail archive');
    const res = await page.goto(`${web.url}l/not-a-token`);
    expect(res?.status()).toBe(404);
    await page.close();
  });
});

describe('the pages', () => {
  it('can be used with the keyboard: the first Tab reaches the skip link, which moves to the content', async () => {
    const page = await newPage();
    await page.goto(`${web.url}l/${linkToken}`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => location.hash)).toBe('#main');
    await page.close();
  });

  it('send security headers: a CSP without inline script, no framing', async () => {
    const res = await fetch(`${web.url}login`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('signing in', () => {
  // Last: the five failures also block this address (127.0.0.1) for the other tests.
  it('is refused after five wrong passwords, even with the right one, for a while', async () => {
    const post = (password: string) => fetch(`${web.url}login`, { method: 'POST', redirect: 'manual', headers: { origin: web.url.replace(/\/$/, '') }, body: new URLSearchParams({ name: 'locked-out', password }) });
    for (let i = 0; i < 5; i++) expect((await post('wrong')).status).toBe(401);
    expect((await post('wrong')).status).toBe(429);
  });
});
