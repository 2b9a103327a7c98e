import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SendMailOptions } from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { buildRaw } from '../../core/email/encode.ts';
import { silentLogger } from '../../core/log.ts';
import type { MailSender } from '../../core/mail/smtp.ts';
import { emailTransport } from '../alerts/email.ts';
import { alertMessage } from '../alerts/message.ts';
import { jobStatus } from '../alerts/testing.ts';
import type { CollectorConfig } from '../config.ts';
import { loadQuarantine } from '../report/digest/history.ts';
import { sendReport, type ProducedReport } from '../report/produce.ts';
import { MaildirSource } from '../sources/maildir.ts';
import { openStore, type Db } from '../store/db.ts';
import { ingestContext } from './classify.ts';
import { describeSummary, pollSource } from './poll.ts';
import { tempDir, testConfig, testSites } from './testing.ts';

/** A MailSender that keeps what it was asked to send, as raw bytes. */
function capturingSender(): MailSender & { sent: Promise<Buffer>[] } {
  const sent: Promise<Buffer>[] = [];
  return {
    sent,
    async send(m: SendMailOptions) {
      sent.push(buildRaw(m));
      return { messageId: `<${sent.length}@test>`, response: '250 ok' };
    },
    async verify() {},
    close() {},
  };
}

const report = (kind: 'digest' | 'client', key: string, subject: string): ProducedReport => ({
  kind, key, date: '2026-11-24', subject, html: `<p>${subject}</p>`, text: subject, title: 'Backup digest', pdf: null, pdfMissing: null, archived: [], paths: [],
});

describe('the collector\'s own mail in a watched mailbox', () => {
  let dir: string, cleanup: () => void, db: Db, cfg: CollectorConfig, maildir: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    maildir = join(dir, 'Maildir');
    for (const s of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, s), { recursive: true });
    cfg = testConfig(dir, testSites('site-a'), { mailboxes: [{ name: 'local', type: 'maildir', path: maildir }] });
    db = openStore(cfg.database.path);
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('records digests, client summaries and alerts as own reports, moved to processed and not quarantined', async () => {
    const sender = capturingSender();
    await sendReport(sender, cfg, report('digest', 'consultant', '2 failed, 3 OK - Tue 24 Nov'), [cfg.consultant.email]);
    await sendReport(sender, cfg, report('client', 'acme', 'Your backups: all 3 OK - Tue 24 Nov'), ['office@acme.example']);
    await emailTransport(sender, cfg).notify(alertMessage({ kind: 'alert', problem: 'failed', state: 'failed', previousState: null, since: null, subject: { type: 'job', job: jobStatus('failed') } }, cfg));
    // Someone else's mail that claims to be ours is not trusted as ours.
    const impostor = await buildRaw({ from: 'mallory@evil.example', to: 'pat@example.com', subject: 'All 40 backups OK', text: 'x', headers: { 'X-Synecdoche-Report': 'digest/consultant/2026-11-24' } });
    const raws = [...(await Promise.all(sender.sent)), impostor];
    raws.forEach((raw, i) => writeFileSync(join(maildir, 'new', `${1763900000 + i}.M${i}P1.host`), raw));

    const ctx = ingestContext(cfg, { source: 'local', clock: new FakeClock('2026-11-24T07:00:00Z') });
    const summary = await pollSource(db, new MaildirSource({ path: maildir }), ctx, silentLogger, { mailbox: 'local', batchSize: 10 });
    expect(describeSummary(summary)).toBe('0 accepted, 1 quarantined (third-party-unrecognised), 0 duplicates, 3 own reports ignored');
    expect(readdirSync(join(maildir, '.Processed', 'cur'))).toHaveLength(3);
    expect(readdirSync(join(maildir, '.Quarantine', 'cur'))).toHaveLength(1);
    const rows = db.prepare(`SELECT disposition, detail FROM messages ORDER BY id`).all() as { disposition: string; detail: string }[];
    expect(rows.map((r) => [r.disposition, r.detail.split(' but ')[0]])).toEqual([
      ['own-report', 'X-Synecdoche-Report: digest/consultant/2026-11-24'],
      ['own-report', 'X-Synecdoche-Report: client/acme/2026-11-24'],
      ['own-report', 'X-Synecdoche-Alert: alert'],
      ['quarantined', 'carries X-Synecdoche-Report: digest/consultant/2026-11-24'],
    ]);
    // The digest's pipeline health counts only the impostor as held.
    expect(loadQuarantine(db, Number.MAX_SAFE_INTEGER)).toMatchObject({ count: 1, newest: [{ from: 'mallory@evil.example' }] });
  });
});
