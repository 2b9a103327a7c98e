// Writes docs/dashboard-overview.png and docs/dashboard-client.png: the dashboard over the
// digest tests' scenario (four clients, failures, a missing job, hostile names), in the system
// Chromium. Run: npx tsx scripts/dashboard-screenshots.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { FakeClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { PROJECT_ROOT } from '../core/paths.ts';
import { LAUNCH_ARGS } from '../collector/report/pdf.ts';
import { SCENARIO_NOW, seedScenario } from '../collector/report/digest/testing.ts';
import { addLink, addUser } from '../collector/web/accounts.ts';
import { startWebServer } from '../collector/web/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'syn-shots-'));
const s = seedScenario(dir);
await addUser(s.db, { name: 'pat', clientId: null, readOnly: false }, 'screenshot password', SCENARIO_NOW.getTime());
const { token } = addLink(s.db, 'acme', SCENARIO_NOW.getTime());
const web = await startWebServer({ db: s.db, cfg: s.cfg, clock: new FakeClock(SCENARIO_NOW), log: silentLogger, env: {} }, { port: 0 });
const browser = await puppeteer.launch({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium', headless: true, args: [...LAUNCH_ARGS, `--user-data-dir=${join(dir, 'chromium')}`] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${web.url}login`);
  await page.type('#name', 'pat');
  await page.type('#password', 'screenshot password');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'dashboard-overview.png'), fullPage: false });
  const client = await (await browser.createBrowserContext()).newPage();
  await client.setViewport({ width: 1280, height: 600 });
  await client.goto(`${web.url}l/${token}`);
  await client.screenshot({ path: join(PROJECT_ROOT, 'docs', 'dashboard-client.png'), fullPage: true });
  console.log('wrote docs/dashboard-overview.png and docs/dashboard-client.png');
} finally {
  await browser.close();
  await web.close();
  s.db.close();
  rmSync(dir, { recursive: true, force: true });
}
