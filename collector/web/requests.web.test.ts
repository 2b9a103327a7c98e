import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { LAUNCH_ARGS } from '../report/pdf.ts';
import { seedScenario, SCENARIO_NOW, type Scenario } from '../report/digest/testing.ts';
import { requestsIn } from '../store/client-requests.ts';
import { addLink, addUser } from './accounts.ts';
import { startWebServer, type RunningWeb } from './server.ts';

/**
 * The client view's "Request a restore or a backup" form in a real Chromium: a client account
 * queues a restore of its own job (CSRF token and all), a forged job of another client is
 * refused and recorded, a read-only link sees no form, and a post without the token does nothing.
 */
const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';
let dir: string;
let s: Scenario;
let web: RunningWeb;
let browser: Browser;
let linkToken: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syn-web-requests-'));
  s = seedScenario(dir);
  const now = SCENARIO_NOW.getTime();
  await addUser(s.db, { name: 'acme-office', clientId: 'acme', readOnly: false }, 'acme office password', now);
  linkToken = addLink(s.db, 'acme', now).token;
  web = await startWebServer({ db: s.db, cfg: s.cfg, clock: new FakeClock(SCENARIO_NOW), log: silentLogger, env: {} }, { port: 0 });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...LAUNCH_ARGS, `--user-data-dir=${join(dir, 'chromium')}`] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  s?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signedInPage(): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.goto(`${web.url}login`);
  await page.type('#name', 'acme-office');
  await page.type('#password', 'acme office password');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return page;
}

describe('the client view request form', () => {
  it('queues a restore of one of the client\'s own backups, as a pending request for the consultant', async () => {
    const page = await signedInPage();
    expect(await page.$$eval('#req-job option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['acme-office/documents', 'acme-office/mail']);
    await page.select('#req-job', 'acme-office/documents');
    await page.type('#req-path', '/Invoices/2026');
    // What a date input takes from the keyboard depends on the browser's locale: its value is set as the date picker sets it.
    await page.$eval('#req-asof', (e) => ((e as HTMLInputElement).value = '2026-11-23'));
    await Promise.all([page.waitForNavigation(), page.click('.request-form button[type=submit]')]);
    expect(await page.$eval('#request-answer', (e) => e.textContent)).toMatch(/^Thank you: your request \(number \d+\) is waiting for your consultant/);
    const [r] = requestsIn(s.db, ['pending']);
    expect(r).toMatchObject({ clientId: 'acme', via: 'web', from: 'web:acme-office', action: 'restore', siteId: 'acme-office', jobId: 'documents', args: { paths: ['/Invoices/2026'], asOf: '2026-11-23' } });
    await page.close();
  }, 30_000);

  it('refuses a job of another client sent by a tampered form, and records it without queueing it', async () => {
    const page = await signedInPage();
    // The select offers only Acme's jobs; a hand-edited option names Bolt's ledger.
    await page.$eval('#req-job', (e) => ((e as HTMLSelectElement).options[0]!.value = 'bolt-hq/ledger'));
    await page.select('#req-action', 'backup');
    await Promise.all([page.waitForNavigation(), page.click('.request-form button[type=submit]')]);
    expect(await page.$eval('#request-answer', (e) => e.textContent)).toBe('We could not find a backup called "bolt-hq/ledger" among yours.');
    expect(requestsIn(s.db, ['pending'])).toHaveLength(1);
    expect(requestsIn(s.db, ['refused']).map((r) => r.note)).toEqual(['names bolt-hq/ledger, a job of another client']);
    await page.close();
  }, 30_000);

  it('does nothing for a post without the CSRF token, and shows a read-only link no form', async () => {
    const page = await signedInPage();
    const cookie = (await page.cookies(web.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await fetch(`${web.url}client/requests`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: web.url.replace(/\/$/, '') }, body: 'action=backup&job=acme-office%2Fdocuments' });
    expect(forged.status).toBe(404);
    expect(requestsIn(s.db, ['pending', 'refused'])).toHaveLength(2);
    const link = await (await browser.createBrowserContext()).newPage();
    await link.goto(`${web.url}l/${linkToken}`);
    expect(await link.$('.request-form')).toBeNull();
    expect(await link.$eval('.request', (e) => e.textContent)).toMatch(/reply to your summary email/);
    await page.close();
    await link.close();
  }, 30_000);
});
