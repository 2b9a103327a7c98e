import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import { FakeClock } from '../../core/clock.ts';
import { isSynError } from '../../core/errors.ts';
import { smtpSender } from '../../core/mail/smtp.ts';
import { collectorConfigFrom, type CollectorConfig } from '../config.ts';
import { tempDir } from '../ingest/testing.ts';
import { verifyArchive } from '../report/verify.ts';
import { seedMonthly, type MonthlyScenario } from '../report/monthly/testing.ts';
import { DailyScheduler } from './daily.ts';
import { dueSends, nextFiringAfter, plannedSends } from './plan.ts';
import { claimSend, markSent } from './send-once.ts';
import { producingMaker } from './service.ts';

let tmp: ReturnType<typeof tempDir>;
let s: MonthlyScenario;
let smtp: TestSmtpServer;
beforeAll(async () => {
  tmp = tempDir('syn-monthly-send-');
  smtp = await startSmtpServer();
  // The consultant gets all clients on the 1st; acme its own on the 3rd; bolt none.
  s = await seedMonthly(tmp.dir, {
    consultant: { name: 'Pat Morgan IT', email: 'pat@example.com', timeZone: 'Europe/London', digestTime: '07:00', monthlyReportDay: 1 },
    clients: [
      { id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin', contacts: ['office@acme.example'], summaryTime: '07:30', monthlyReportDay: 3 },
      { id: 'bolt', name: 'Bolt & Partners', timeZone: 'Europe/London', contacts: ['manager@bolt.example'], monthlyReportDay: 'off' },
    ],
  });
}, 60_000);
afterAll(async () => {
  s.db.close();
  await smtp.close();
  tmp.cleanup();
});

const monthly = (cfg: CollectorConfig) => plannedSends(cfg).filter((p) => p.kind === 'monthly');
const dueMonthly = (iso: string) => dueSends(s.db, plannedSends(s.cfg), new Date(iso)).filter((d) => d.send.kind === 'monthly').map((d) => `${d.send.key}:${d.day}`);

describe('scheduled monthly reports', () => {
  it('plans all clients for the consultant and each client\'s own on its day, at the digest and summary times', () => {
    expect(monthly(s.cfg).map((p) => [p.key, p.timeZone, p.dayOfMonth, p.hour, p.minute, p.to])).toEqual([
      ['consultant', 'Europe/London', 1, 7, 0, ['pat@example.com']],
      ['acme', 'Europe/Berlin', 3, 7, 30, ['office@acme.example']],
    ]);
    expect(new Date(nextFiringAfter(monthly(s.cfg)[1]!, new Date('2026-11-20T00:00:00Z')).getTime()).toISOString()).toBe('2026-12-03T06:30:00.000Z');
  });

  it('plans none without consultant.monthlyReportDay, and a client\'s own day still counts', () => {
    const clients = [{ id: 'acme', name: 'Acme', timeZone: 'Europe/Berlin', contacts: ['a@acme.example'] }, { id: 'bolt', name: 'Bolt', timeZone: 'Europe/London' }];
    const cfg = collectorConfigFrom({ ...s.raw, consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'Europe/London' }, clients }, tmp.dir);
    expect(monthly(cfg)).toEqual([]);
    const own = collectorConfigFrom({ ...s.raw, consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'Europe/London' }, clients: [{ ...clients[0], monthlyReportDay: 28 }, clients[1]] }, tmp.dir);
    expect(monthly(own).map((p) => [p.key, p.dayOfMonth])).toEqual([['acme', 28]]);
  });

  it('is due on its day once its time has passed, is caught up later that month, and not again once sent', () => {
    expect(dueMonthly('2026-12-01T06:58:00Z')).toEqual([]);
    expect(dueMonthly('2026-12-01T07:00:00Z')).toEqual(['consultant:2026-12-01']);
    // The collector was down on the 1st: the report still goes out on the 20th, for the 1st.
    expect(dueMonthly('2026-12-20T12:00:00Z')).toEqual(['consultant:2026-12-01', 'acme:2026-12-03']);
    const claim = { kind: 'monthly' as const, key: 'consultant', day: '2026-12-01', claimant: 'test' };
    expect(claimSend(s.db, claim, { now: new Date('2026-12-20T12:00:00Z') })).toBe(true);
    markSent(s.db, claim, new Date('2026-12-20T12:00:01Z'));
    expect(dueMonthly('2026-12-21T12:00:00Z')).toEqual(['acme:2026-12-03']);
    // Not in the next month: January has its own.
    expect(dueMonthly('2027-01-01T06:00:00Z')).toEqual([]);
    expect(dueMonthly('2027-01-01T07:00:00Z')).toEqual(['consultant:2027-01-01']);
  });

  it('sets a node-schedule timer on the day of the month at the recipient\'s local time', async () => {
    const sender = smtpSender({ host: '127.0.0.1', port: smtp.port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 10 }, {});
    // Just after midnight on 1 December: November's sends are past, December's not yet due.
    const clock = new FakeClock('2026-12-01T00:00:00Z');
    const make = async (): Promise<never> => {
      throw new Error('nothing is due');
    };
    const scheduler = new DailyScheduler({ db: s.db, cfg: s.cfg, clock, sender, make, plan: monthly(s.cfg) });
    const local = (d: Date, zone: string) => d.toLocaleString('en-GB', { timeZone: zone, day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    try {
      expect(await scheduler.start()).toEqual([]);
      // node-schedule counts from the real clock: the next 1st at 07:00 in London, the next 3rd at 07:30 in Berlin.
      const [consultant, acme] = scheduler.timers.map((t) => new Date(t.nextInvocation()!.getTime()));
      expect(local(consultant!, 'Europe/London')).toBe('1, 07:00');
      expect(local(acme!, 'Europe/Berlin')).toBe('3, 07:30');
    } finally {
      await scheduler.stop();
      sender.close();
    }
  });

  it('mails the previous month\'s report with its PDF from `collector run`, archived where verify-archive checks it', async () => {
    const clock = new FakeClock('2026-12-03T06:31:00Z');
    const sender = smtpSender({ host: '127.0.0.1', port: smtp.port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 10 }, {});
    try {
      const scheduler = new DailyScheduler({ db: s.db, cfg: s.cfg, clock, sender, make: producingMaker(s.db, s.cfg, { clock, env: {}, pdf: true }), plan: monthly(s.cfg).filter((p) => p.key === 'acme') });
      const out = await scheduler.sweep();
      expect(out).toEqual([{ kind: 'monthly', key: 'acme', day: '2026-12-03', result: 'sent' }]);
    } finally {
      sender.close();
    }
    const mail = await simpleParser(smtp.messages.at(-1)!);
    expect(mail.subject).toBe('Monthly backup report: Acme Ltd - November 2026: 84.3% good');
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('office@acme.example');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['monthly-acme-2026-11.pdf']);
    expect(mail.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    expect(verifyArchive(s.cfg.archive.folder).ok).toBe(true);
  }, 60_000);

  it('refuses a monthlyReportDay that not every month has, naming the key and the value', () => {
    for (const bad of [31, 'first']) {
      let err: unknown;
      try {
        collectorConfigFrom({ ...s.raw, clients: [{ id: 'acme', name: 'Acme', timeZone: 'Europe/Berlin', monthlyReportDay: bad }, { id: 'bolt', name: 'Bolt', timeZone: 'Europe/London' }] }, tmp.dir);
      } catch (e) {
        err = e;
      }
      expect(isSynError(err, 'CONFIG_INVALID')).toBe(true);
      expect((err as Error).message).toContain(`clients[0].monthlyReportDay: got ${JSON.stringify(bad)}; a day of the month from 1 to 28, or "off"`);
    }
  });
});
