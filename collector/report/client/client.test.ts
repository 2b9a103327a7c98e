import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSynError } from '../../../core/errors.ts';
import { tempDir } from '../../ingest/testing.ts';
import { statusAt } from '../digest/build.ts';
import { seedScenario, XSS_NAME, type Scenario } from '../digest/testing.ts';
import { buildClientSummary } from './build.ts';
import { allWellHeadline } from './model.ts';

let tmp: ReturnType<typeof tempDir>;
let s: Scenario;
beforeAll(() => {
  tmp = tempDir('syn-client-');
  s = seedScenario(tmp.dir);
});
afterAll(() => {
  s.db.close();
  tmp.cleanup();
});

const JARGON = /rsync|exit code|sequence|exitCode|plugin|quarantin|\/mnt\/|mailbox|IMAP|SMTP|heartbeat/i;

describe('client summary', () => {
  it('names only the client\'s own jobs and sites, by the config\'s site mapping', () => {
    const a = buildClientSummary(s.db, s.cfg, 'acme', { now: s.now });
    for (const out of [a.html, a.text, a.subject]) {
      for (const other of ['bolt-hq', 'cedar-clinic', 'dana-shop', 'Accounts database', 'Office PCs', 'X-ray', 'Reception', 'alert(1)', 'Bolt', 'Cedar']) {
        expect(out).not.toContain(other);
      }
    }
    expect(a.model.jobs.map((j) => j.name)).toEqual(['Documents (file server)', 'Mail archive']);
  });

  it('says which backup needs attention in plain words, without jargon, exit codes or paths', () => {
    const a = buildClientSummary(s.db, s.cfg, 'acme', { now: s.now });
    expect(a.subject).toBe('Your backups: 1 needs attention, 1 OK - Tue 24 Nov');
    expect(a.model.headline).toBe('One backup needs attention: Mail archive failed. Your consultant has not been told yet.');
    expect(a.text).not.toMatch(JARGON);
    expect(a.html).not.toMatch(/\b23\b.*exit|No space left/);
    expect(a.text).not.toContain('No space left');
  });

  it('says a failed run ran and ended with errors, not that it did not finish', () => {
    const a = buildClientSummary(s.db, s.cfg, 'acme', { now: s.now });
    expect(a.text).toMatch(/Mail archive \(Needs attention\)\n {2}Ran on Tuesday 24 November at 04:0\d but ended with errors\. Your consultant has not been told yet\./);
    expect(a.text).not.toMatch(/did not finish|Started on/);
  });

  it('says the consultant has been told only once a digest showing the problem, or an alert, was delivered', () => {
    const own = tempDir('syn-client-told-');
    const t = seedScenario(own.dir);
    try {
      const headline = (cfg = t.cfg) => buildClientSummary(t.db, cfg, 'acme', { now: t.now }).model.headline;
      const TOLD = /Mail archive failed\. Your consultant has been told\.$/;
      const NOT_TOLD = /Mail archive failed\. Your consultant has not been told yet\.$/;
      const since = statusAt(t.db, t.cfg, t.now).jobs.find((j) => j.jobId === 'mail')!.since!.getTime();
      const withSmtp = { ...t.cfg, smtp: { host: '127.0.0.1', port: 25, tls: 'none' as const } };

      // A digest delivered two days ago, while the mail archive still worked, told nothing about it.
      const digest = t.db.prepare(`INSERT INTO sends (kind, key, day, state, sent_at) VALUES ('digest', 'consultant', ?, 'sent', ?)`);
      digest.run('2026-11-22', '2026-11-22T08:00:00.000Z');
      expect(headline()).toMatch(NOT_TOLD);

      // An alert claimed for this failure: told when a channel carried it, not without one or when it failed.
      const alertAt = Date.parse('2026-11-24T05:10:00Z');
      t.db.prepare(`INSERT INTO alert_state (site_id, job_id, state, since, last_alert_at) VALUES ('acme-office', 'mail', 'failed', ?, ?)`).run(since, alertAt);
      expect(headline()).toMatch(NOT_TOLD);
      expect(headline(withSmtp)).toMatch(TOLD);
      t.db.prepare(`INSERT INTO alert_failures (channel, at, error) VALUES ('email', ?, 'connect ECONNREFUSED')`).run(alertAt);
      expect(headline(withSmtp)).toMatch(NOT_TOLD);

      // This morning's digest, accepted by the SMTP server at 05:30, listed the failure.
      digest.run('2026-11-24', '2026-11-24T05:30:00.000Z');
      expect(headline()).toMatch(TOLD);
    } finally {
      t.db.close();
      own.cleanup();
    }
  });

  it('counts an anomaly alert about the latest run as telling the consultant', () => {
    const own = tempDir('syn-client-told-anomaly-');
    const t = seedScenario(own.dir);
    try {
      const withSmtp = { ...t.cfg, smtp: { host: '127.0.0.1', port: 25, tls: 'none' as const } };
      const xray = () => buildClientSummary(t.db, withSmtp, 'cedar', { now: t.now }).model.jobs.find((j) => j.name === 'X-ray images')!.sentence;
      expect(xray()).toMatch(/Your consultant has not been told yet\./);
      const run = statusAt(t.db, t.cfg, t.now).jobs.find((j) => j.jobId === 'xray')!.lastRun!;
      t.db.prepare(`INSERT INTO alert_state (site_id, job_id, state, since, last_alert_at) VALUES ('cedar-clinic', 'xray', 'anomaly', ?, ?)`).run(run.startedAt.getTime(), t.now.getTime() - 60_000);
      expect(xray()).toMatch(/Your consultant has been told\./);
    } finally {
      t.db.close();
      own.cleanup();
    }
  });

  it('shows the error line (with its path) only when the client has showPaths', () => {
    const cfg = { ...s.cfg, clients: s.cfg.clients.map((c) => (c.id === 'acme' ? { ...c, showPaths: true } : c)) };
    const a = buildClientSummary(s.db, cfg, 'acme', { now: s.now });
    expect(a.text).toContain('Detail: No space left on device while writing /mnt/backup/mail.tar');
  });

  it('says all backups ran when they did, in the client\'s own zone', () => {
    const cfg = { ...s.cfg, mailboxes: [] };
    const d = buildClientSummary(s.db, cfg, 'acme', { now: new Date('2026-11-22T06:00:00Z') });
    expect(d.subject).toBe('Your backups: all 2 OK - Sun 22 Nov');
    expect(d.model.headline).toBe('All 2 backups ran as planned.');
    expect(d.text).toContain('Ran on Sunday 22 November at 02:0');
    expect(d.text).toContain('Generated 2026-11-22 07:00 Europe/Berlin');
  });

  it('says "as planned" rather than "last night", and never that a backup set up but not yet run has run', () => {
    expect(allWellHeadline(1, 0)).toBe('Your backup ran as planned.');
    expect(allWellHeadline(3, 1)).toBe('2 backups ran as planned; one new backup has not run yet.');
    expect(allWellHeadline(3, 2)).toBe('One backup ran as planned; 2 new backups have not run yet.');
    expect(allWellHeadline(2, 2)).toBe('Your 2 backups are set up and have not run yet.');
  });

  it('escapes a hostile job name in the HTML and keeps it as text in the subject and text part', () => {
    const b = buildClientSummary(s.db, s.cfg, 'bolt', { now: s.now });
    expect(b.html).not.toContain('<script');
    expect(b.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(b.text).toContain(XSS_NAME);
    expect(b.subject).toBe('Your backups: 2 need attention, 1 OK - Tue 24 Nov');
    expect(b.text).not.toMatch(JARGON);
  });

  it('tells a client whose backup computer never checked in, and refuses an unknown client', () => {
    const d = buildClientSummary(s.db, s.cfg, 'dana', { now: s.now });
    expect(d.model.notes[0]).toContain('"dana-shop" has not checked in');
    expect(d.model.good).toBe(false);
    let err: unknown;
    try {
      buildClientSummary(s.db, s.cfg, 'nobody', { now: s.now });
    } catch (e) {
      err = e;
    }
    expect(isSynError(err, 'NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain('acme, bolt, cedar, dana');
  });
});
