import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { publicKeyLine } from '../../core/result/keys.ts';
import type { CommandReceiptPayload, DrillPayload, Payload, RestorePayload } from '../../core/result/schema.ts';
import { ingestBatch } from '../ingest/batch.ts';
import { ingestContext } from '../ingest/classify.ts';
import { signedRaw, testSites } from '../ingest/testing.ts';
import { LAUNCH_ARGS } from '../report/pdf.ts';
import { seedScenario, SCENARIO_NOW, type Scenario } from '../report/digest/testing.ts';
import { insertRequest } from '../store/client-requests.ts';
import { insertCommand } from '../store/commands.ts';
import { addLink, addUser } from './accounts.ts';
import { startWebServer, type RunningWeb } from './server.ts';

/**
 * Issue 11 on the dashboard, in a real Chromium: a job page lists the job's restores and drills
 * from signed reports ingested as the poller does, with "Last proven restorable"; the consultant's
 * /requests page lists a pending client request (with the CLI command to decide it) and a command
 * an agent refused; a client account and a client link get the plain 404 for /requests.
 */
const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? '/usr/bin/chromium';
const DAY = 86_400_000;
const HOSTILE = '<img src=x onerror=alert(7)>';
let dir: string;
let s: Scenario;
let web: RunningWeb;
let browser: Browser;
let linkToken: string;
let refusedId: string;
const dialogs: string[] = [];
// The scenario's sites with keys this test holds, so that it can sign reports as their agents.
const sites = testSites('acme-office', 'bolt-hq', 'cedar-clinic', 'dana-shop');
const acme = sites[0]!;

const at = (daysAgo: number, hours = 0) => new Date(SCENARIO_NOW.getTime() - daysAgo * DAY + hours * 3_600_000).toISOString();
const agent = { host: 'fileserver', version: '0.1.0', timeZone: 'Europe/Berlin' };

function restore(kind: 'restore' | 'drill', daysAgo: number, over: Partial<RestorePayload> = {}): RestorePayload | DrillPayload {
  const startedAt = at(daysAgo);
  const base: RestorePayload = {
    format: 'synecdoche-result', version: 1, kind: 'restore', site: { id: 'acme-office', client: 'Acme Ltd' }, agent, runId: randomUUID(),
    sentAt: at(daysAgo, 0.05), job: { id: 'documents', name: 'Documents (file server)', plugin: 'rsync' }, command: null, startedAt, endedAt: at(daysAgo, 0.02),
    status: 'ok', from: { runId: randomUUID(), at: at(daysAgo + 1) }, target: '/srv/restored', inPlace: false, paths: ['Invoices/2026'],
    files: { restored: 12, failed: 0 }, bytes: { restored: 34_000 }, verification: { mode: 'all', algorithm: 'sha256', checked: 12, mismatches: 0, mismatchedPaths: [] },
    incomplete: false, errors: [], logTail: '', sizeOnly: 0, ...over,
  };
  if (kind === 'restore') return base;
  const { sizeOnly, ...rest } = base;
  void sizeOnly;
  return { ...rest, kind: 'drill', sample: { files: 5, bytes: 500, ofFiles: 100, ofBytes: 10_000 }, sourceCompared: { checked: 3, mismatches: 0 } } as DrillPayload;
}

async function ingest(...payloads: Payload[]) {
  const ctx = ingestContext(s.cfg, { source: 'local', clock: new FakeClock(SCENARIO_NOW) });
  const msgs = await Promise.all(payloads.map(async (p, i) => ({ id: `w${i}-${p.runId}`, raw: await signedRaw(p, acme), receivedAt: new Date(Date.parse(p.sentAt) + 60_000) })));
  const out = await ingestBatch(s.db, msgs, ctx);
  expect(out.accepted).toHaveLength(payloads.length);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syn-web-restores-'));
  s = seedScenario(dir, { sites: sites.map((x, i) => ({ id: x.id, client: ['acme', 'bolt', 'cedar', 'dana'][i], publicKeys: [publicKeyLine(x.keys.publicKey)] })) });
  const now = SCENARIO_NOW.getTime();
  await addUser(s.db, { name: 'pat', clientId: null, readOnly: false }, 'consultant password 1', now);
  await addUser(s.db, { name: 'acme-office', clientId: 'acme', readOnly: false }, 'acme office password', now);
  linkToken = addLink(s.db, 'acme', now).token;
  // A drill that passed three days ago, then yesterday a restore into a folder with a hostile name that lost a file.
  await ingest(
    restore('drill', 3),
    restore('restore', 1, { status: 'failed', target: `/srv/${HOSTILE}`, files: { restored: 11, failed: 1 }, incomplete: true, verification: { mode: 'all', algorithm: 'sha256', checked: 11, mismatches: 2, mismatchedPaths: ['a', 'b'] }, errors: [{ message: 'permission denied: Invoices/2026/locked.pdf' }] }),
  );
  // A command the collector sent, which the agent refused by a signed receipt.
  refusedId = randomUUID();
  insertCommand(s.db, { id: refusedId, siteId: 'acme-office', jobId: 'documents', action: 'restore', args: { paths: ['Invoices'] }, issuedAt: now - 2 * 3_600_000, expiresAt: now + DAY, requestedBy: 'pat', messageId: `<${refusedId}@pat.example>` });
  const receipt: CommandReceiptPayload = {
    format: 'synecdoche-result', version: 1, kind: 'command-receipt', site: { id: 'acme-office', client: 'Acme Ltd' }, agent, runId: randomUUID(),
    sentAt: at(0, -1), command: { id: refusedId }, action: 'restore', jobId: 'documents', state: 'refused', reason: 'outside the allowed folders: the restore target /etc is not allowed',
  };
  await ingest(receipt);
  // A client's pending request, its line as the client wrote it (hostile on purpose).
  insertRequest(s.db, {
    clientId: 'acme', from: 'office@acme.example', via: 'email', receivedAt: now - 3_600_000, messageId: '<ask-1@acme.example>', action: 'restore',
    siteId: 'acme-office', jobId: 'documents', args: { paths: ['/Invoices/2026'] }, rawLine: `restore documents /Invoices/2026 ${HOSTILE}`, state: 'pending', note: null,
  });
  web = await startWebServer({ db: s.db, cfg: s.cfg, clock: new FakeClock(SCENARIO_NOW), log: silentLogger, env: {} }, { port: 0 });
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...LAUNCH_ARGS, `--user-data-dir=${join(dir, 'chromium')}`] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  s?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  return page;
}

async function signIn(name: string, password: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${web.url}login`);
  await page.type('#name', name);
  await page.type('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return page;
}

const cells = (page: Page, selector: string) => page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim())));

describe('the job page', () => {
  it('lists the job\'s restores and drills from signed reports, and says when it was last proven restorable', async () => {
    const page = await signIn('pat', 'consultant password 1');
    await page.goto(`${web.url}jobs/acme-office/documents`);
    expect(await page.$eval('.drill', (e) => e.textContent)).toBe('Last proven restorable: 3 days ago');
    const rows = await cells(page, 'table.restores');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.slice(0, 6)).toEqual(['restore', expect.stringMatching(/\S/), 'FAILED', '11 / 1', '2 of 11 checked', 'yes']);
    expect(rows[0]![6]).toBe(`/srv/${HOSTILE}permission denied: Invoices/2026/locked.pdf`);
    expect(rows[1]!.slice(0, 6)).toEqual(['drill', expect.stringMatching(/\S/), 'OK', '12 / 0', '0 of 12 checked', 'no']);
    // The hostile target is text: no image, nothing ran.
    expect(await page.$$('main img')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    await page.close();
  }, 30_000);

  it('says "never proven restorable" for a job that can be drilled and never was', async () => {
    const page = await signIn('pat', 'consultant password 1');
    await page.goto(`${web.url}jobs/acme-office/mail`);
    expect(await page.$eval('.drill', (e) => e.textContent)).toBe('Never proven restorable');
    expect(await page.$('table.restores')).toBeNull();
    expect(await page.$eval('main', (e) => e.textContent)).toContain('No restore or drill of this job has been reported.');
    await page.close();
  }, 30_000);
});

describe('the requests page', () => {
  it('is in the consultant\'s navigation and lists the pending request with the commands to decide it, and the refused command', async () => {
    const page = await signIn('pat', 'consultant password 1');
    await Promise.all([page.waitForNavigation(), page.click('nav a[href="/requests"]')]);
    expect(await page.$eval('h1', (e) => e.textContent)).toBe('Requests');
    const [pending] = await cells(page, 'table.requests');
    expect(pending!.slice(2, 4)).toEqual(['Acme Ltd (office@acme.example)', 'acme-office/documents']);
    expect(pending![4]).toContain(`restore documents /Invoices/2026 ${HOSTILE}`);
    const id = pending![0]!;
    expect(await page.$$eval('table.requests td.cli code', (cs) => cs.map((c) => c.textContent))).toEqual([`synecdoche collector request approve ${id} [--to DIR]`, `synecdoche collector request decline ${id} [--reason TEXT]`]);
    const [command] = await cells(page, 'table.commands');
    expect(command![0]).toBe(refusedId.slice(0, 8));
    expect(command!.slice(2, 4)).toEqual(['acme-office/documents', 'restore']);
    expect(command![4]).toMatch(/^refused /);
    expect(command![5]).toBe('outside the allowed folders: the restore target /etc is not allowed; by pat');
    expect(await page.$$('main img')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    await page.close();
  }, 30_000);

  it('is a plain 404 for a client account and a client link, with nothing of the requests in it', async () => {
    const account = await signIn('acme-office', 'acme office password');
    const link = await newPage();
    await link.goto(`${web.url}l/${linkToken}`);
    for (const page of [account, link]) {
      expect(new URL(page.url()).pathname).toBe('/client');
      expect(await page.$('nav a[href="/requests"]')).toBeNull();
      const res = await page.goto(`${web.url}requests`);
      expect(res?.status()).toBe(404);
      const body = (await res?.text()) ?? '';
      for (const hidden of ['Invoices/2026', refusedId.slice(0, 8), 'approve']) expect(body).not.toContain(hidden);
      await page.close();
    }
    // And nobody signed in.
    expect((await fetch(`${web.url}requests`)).status).toBe(404);
  }, 30_000);
});
