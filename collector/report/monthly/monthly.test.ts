import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../../agent/testing/smtp.ts';
import { FakeClock } from '../../../core/clock.ts';
import { silentLogger } from '../../../core/log.ts';
import { historyCommand } from '../../commands/history.ts';
import { tempDir } from '../../ingest/testing.ts';
import { verifyArchive } from '../verify.ts';
import { buildMonthly } from './build.ts';
import { monthWindow } from './month.ts';
import { HOSTILE, MAIL_ERROR, MONTH, seedMonthly, type MonthlyScenario } from './testing.ts';
import { runReport } from '../testing.ts';

const AFTER = new Date('2026-12-02T09:00:00Z');


const pdfText = (path: string) => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');

let tmp: ReturnType<typeof tempDir>;
let s: MonthlyScenario;
let smtp: TestSmtpServer;
let configFile: string;
beforeAll(async () => {
  tmp = tempDir('syn-monthly-');
  smtp = await startSmtpServer();
  s = await seedMonthly(tmp.dir);
  configFile = join(tmp.dir, 'collector.yaml');
  writeFileSync(configFile, stringify({ ...s.raw, smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none' } }));
}, 60_000);
afterAll(async () => {
  s.db.close();
  await smtp.close();
  tmp.cleanup();
});

const jobOf = (clientId: string | null, name: string, now = AFTER) => {
  const b = buildMonthly(s.db, s.cfg, { clientId, month: MONTH, now });
  return b.model.clients.flatMap((c) => c.jobs).find((j) => j.name === name)!;
};

describe('monthly report figures', () => {
  it('counts a missed scheduled run against the share and lists each failure with how long it lasted', () => {
    const j = jobOf('acme', 'Documents (file server)');
    expect([j.expected, j.good, j.failed, j.missed, j.warnings]).toEqual([30, 24, 3, 3, 1]);
    expect(j.percent).toBe('80%');
    expect(j.counts).toBe('24 of 30 expected runs good; 3 failed, 3 missed. 1 good run ended with warnings.');
    expect(j.failures.map((f) => [f.from, f.to, f.lasted, f.what])).toEqual([
      ['Thu 5 Nov 02:00', 'Sat 7 Nov 02:10', '2 days 10 min', '2 failed runs'],
      ['Thu 12 Nov 02:00', 'Fri 13 Nov 02:10', '1 day 10 min', '1 missed run'],
      ['Sat 28 Nov 02:00', 'not resolved by the end of the period', '2 days 22 h or more', '1 failed run, 2 missed runs'],
    ]);
    // The failure runs to the end of November in Berlin (1 Dec 00:00 CET).
    expect(j.longestGap).toBe('3 days 21 h 50 min (from Fri 27 Nov 02:10 to Tue 1 Dec 00:00)');
  });

  it('does not count a run that "succeeded" with 0 files as a good backup, and rounds the share down', () => {
    const j = jobOf('acme', HOSTILE);
    expect([j.expected, j.good, j.failed, j.missed]).toEqual([21, 19, 2, 0]);
    // 19/21 = 90.48%: shown as 90.4%, never rounded up.
    expect(j.percent).toBe('90.4%');
    expect(j.failures.map((f) => f.what)).toEqual(['1 failed run', '1 run with an anomaly (no good backup)']);
    // The longest gap began before the month: Friday 30 October to Monday 2 November.
    expect(j.longestGap).toBe('3 days (since the last good backup before the month, from Fri 30 Oct 03:40 to Mon 2 Nov 03:40)');
  });

  it('agrees with `collector history` for the same job: good, failed and missed runs, and the share', () => {
    for (const [target, name, scheduled] of [['acme-office/nightly', 'Documents (file server)', 30], ['acme-office/mail', HOSTILE, 21]] as const) {
      const shown = historyCommand({ cfg: s.cfg, db: s.db, log: silentLogger, clock: new FakeClock(AFTER), out: () => undefined }, target, { json: true, limit: 1000 });
      const w = monthWindow(MONTH, 'Europe/Berlin');
      const inMonth = shown.runs.filter((r) => r.startedAt.getTime() >= w.start && r.startedAt.getTime() < w.end);
      const good = inMonth.filter((r) => r.status !== 'failed' && r.anomalies.length === 0).length;
      const j = jobOf('acme', name);
      expect(j.good).toBe(good);
      expect(j.failed).toBe(inMonth.length - good);
      expect(j.missed).toBe(scheduled - inMonth.length);
      expect(j.percent).toBe(`${Math.floor((good / scheduled) * 1000) / 10}%`);
    }
  });

  it('counts the month in progress up to now, leaving a run whose report may still arrive as pending', () => {
    // 12 Nov 03:00 UTC: the 02:00 Berlin run of that day did not report, but the grace has not passed.
    const j = jobOf('acme', 'Documents (file server)', new Date('2026-11-12T03:00:00Z'));
    expect([j.expected, j.good, j.pending]).toEqual([11, 9, 1]);
    expect(j.percent).toBe('81.8%');
    const b = buildMonthly(s.db, s.cfg, { clientId: 'acme', month: MONTH, now: new Date('2026-11-12T03:00:00Z') });
    expect(b.model.partial).toBe('The month is not over: figures up to Thu 12 Nov 04:00.');
  });

  it('shows every client for the consultant with the same figures as each client\'s own report', () => {
    const all = buildMonthly(s.db, s.cfg, { clientId: null, month: MONTH, now: AFTER });
    expect(all.model.clients.map((c) => [c.name, c.percent, c.good, c.expected])).toEqual([['Acme Ltd', '84.3%', 43, 51], ['Bolt & Partners', '100%', 30, 30]]);
    expect(all.subject).toBe('Monthly backup compliance: all clients - November 2026: 90.1% good');
    const acme = buildMonthly(s.db, s.cfg, { clientId: 'acme', month: MONTH, now: AFTER });
    expect(acme.model.clients).toHaveLength(1);
    expect(acme.model.clients[0]!.jobs.map((j) => j.percent)).toEqual(all.model.clients[0]!.jobs.map((j) => j.percent));
    expect(acme.text).not.toContain('Accounts database');
    expect(acme.subject).toBe('Monthly backup report: Acme Ltd - November 2026: 84.3% good');
  });

  it('says that no restore drills were recorded, and shows error details to a client only with showPaths', () => {
    const acme = buildMonthly(s.db, s.cfg, { clientId: 'acme', month: MONTH, now: AFTER });
    expect(acme.text).toContain('Restore drills: No restore drills recorded for this month.');
    expect(acme.text).not.toContain(MAIL_ERROR);
    const all = buildMonthly(s.db, s.cfg, { clientId: null, month: MONTH, now: AFTER });
    expect(all.text).toContain(MAIL_ERROR);
    const cfg = { ...s.cfg, clients: s.cfg.clients.map((c) => (c.id === 'acme' ? { ...c, showPaths: true } : c)) };
    expect(buildMonthly(s.db, cfg, { clientId: 'acme', month: MONTH, now: AFTER }).text).toContain(`2 failed runs - ${MAIL_ERROR}`);
  });

  it('escapes a hostile job name in the HTML and keeps it as text in the plain part', () => {
    const acme = buildMonthly(s.db, s.cfg, { clientId: 'acme', month: MONTH, now: AFTER });
    expect(acme.html).not.toContain('<script');
    expect(acme.html).toContain('Mail &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(acme.text).toContain(HOSTILE);
  });
});

describe('report monthly', () => {
  it('archives HTML and a Chromium PDF whose text has the month\'s percentages, mails both to the client, and the archive verifies', async () => {
    const r = await runReport(['monthly', 'acme', '--month', MONTH, '--pdf', '--send', '-c', configFile], AFTER);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const html = join(tmp.dir, 'reports/2026/11/monthly-acme-2026-11.html');
    const pdf = join(tmp.dir, 'reports/2026/11/monthly-acme-2026-11.pdf');
    expect(r.stdout).toContain('monthly report acme: Monthly backup report: Acme Ltd - November 2026: 84.3% good');
    expect(r.stdout).toContain(`wrote ${html}\nwrote ${pdf}\n`);
    expect(r.stdout).toContain('sent to office@acme.example');

    const text = pdfText(pdf);
    for (const figure of ['84.3%', '80%', '90.4%', '24 of 30 expected runs good; 3 failed, 3 missed', '19 of 21 expected runs good; 2 failed', '2 days 10 min', 'No restore drills recorded', HOSTILE]) {
      expect(text).toContain(figure);
    }
    expect(text).toMatch(/Page 1 of \d+/);

    const mail = await simpleParser(smtp.messages.at(-1)!);
    expect(mail.subject).toBe('Monthly backup report: Acme Ltd - November 2026: 84.3% good');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['monthly-acme-2026-11.pdf']);
    expect(mail.headers.get('x-synecdoche-report')).toBe('monthly/acme/2026-11-01');

    const v = verifyArchive(join(tmp.dir, 'reports'));
    expect(v.ok).toBe(true);
    expect(v.problems).toEqual([]);
    const manifest = readFileSync(join(tmp.dir, 'reports/manifest.jsonl'), 'utf8');
    expect(manifest).toContain('"kind":"monthly"');
  }, 60_000);

  it('makes the consultant\'s report of all clients with "all", and the same report again adds nothing to the archive', async () => {
    const first = await runReport(['monthly', 'all', '--month', MONTH, '--pdf', '-c', configFile], AFTER);
    expect(first.code).toBe(0);
    const pdf = join(tmp.dir, 'reports/2026/11/monthly-all-clients-2026-11.pdf');
    expect(existsSync(pdf)).toBe(true);
    const text = pdfText(pdf);
    for (const figure of ['90.1%', '84.3%', '100%', 'Acme Ltd', 'Bolt & Partners', MAIL_ERROR]) expect(text).toContain(figure);
    const again = await runReport(['monthly', '--all', '--month', MONTH, '--pdf', '-c', configFile], AFTER);
    expect(again.stdout).toContain('unchanged');
    expect(verifyArchive(join(tmp.dir, 'reports')).ok).toBe(true);
  }, 60_000);

  it('refuses a month that is not YYYY-MM or has not begun, an unknown client, and no client at all', async () => {
    const bad = await runReport(['monthly', 'acme', '--month', '2026-13', '-c', configFile], AFTER);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--month: "2026-13" is not a month; expected YYYY-MM');
    const future = await runReport(['monthly', 'acme', '--month', '2027-01', '-c', configFile], AFTER);
    expect(future.stderr).toContain('2027-01 has not begun');
    const nobody = await runReport(['monthly', 'nobody', '-c', configFile], AFTER);
    expect(nobody.stderr).toContain('no client "nobody"');
    const none = await runReport(['monthly', '-c', configFile], AFTER);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('which client?');
  });

  it('describes the last complete month by default', async () => {
    const r = await runReport(['monthly', 'bolt', '-c', configFile], AFTER);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('November 2026: 100% good');
  });
});
