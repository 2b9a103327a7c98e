import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import { FakeClock, systemClock } from '../../core/clock.ts';
import { smtpSender, type MailSender } from '../../core/mail/smtp.ts';
import { pendingAlertFailures, recordChannelFailure } from '../alerts/failures.ts';
import { runAlerts } from '../alerts/run.ts';
import { jobStatus, reportOf } from '../alerts/testing.ts';
import { collectorConfigFrom, type CollectorConfig } from '../config.ts';
import { tempDir } from '../ingest/testing.ts';
import { openStore, type Db } from '../store/db.ts';
import { DailyScheduler, type ReportMaker } from './daily.ts';
import { nextFiringAfter } from './plan.ts';
import { claimSend, sendRow } from './send-once.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function config(dir: string): CollectorConfig {
  return collectorConfigFrom(
    {
      database: { path: 'syn.db' },
      consultant: { name: 'Pat Consultant', email: 'pat@example.com', timeZone: 'Europe/London', digestTime: '07:00' },
      clients: [
        { id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin', contacts: ['office@acme.example'], summaryTime: '08:30' },
        { id: 'tokyo', name: 'Tokyo KK', timeZone: 'Asia/Tokyo', contacts: ['soumu@tokyo.example'], summaryTime: '09:00' },
      ],
    },
    dir,
  );
}

function setup(): { cfg: CollectorConfig; open: () => Db } {
  const t = tempDir('syn-daily-');
  const cfg = config(t.dir);
  const dbs: Db[] = [];
  cleanups.push(() => {
    dbs.forEach((d) => d.open && d.close());
    t.cleanup();
  });
  return { cfg, open: () => (dbs.push(openStore(cfg.database.path)), dbs[dbs.length - 1]!) };
}

async function smtp(opts: Parameters<typeof startSmtpServer>[0] = {}): Promise<{ server: TestSmtpServer; sender: MailSender }> {
  const server = await startSmtpServer(opts);
  const sender = smtpSender({ host: '127.0.0.1', port: server.port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 5 }, {});
  cleanups.push(async () => {
    sender.close();
    await server.close();
  });
  return { server, sender };
}

/** A report maker that records what it was asked for and what failures it could show. */
function maker(db: () => Db) {
  const calls: { kind: string; key: string; date: string; failures: string[] }[] = [];
  const make: ReportMaker = async (req) => {
    const failures = req.kind === 'digest' ? pendingAlertFailures(db()).map((f) => `${f.channel}: ${f.error}`) : [];
    calls.push({ ...req, failures });
    return { subject: `${req.kind} ${req.key} ${req.date}`, html: `<p>${req.kind} for ${req.date}</p>`, text: `${req.kind} for ${req.date}\n${failures.join('\n')}` };
  };
  return { make, calls };
}

/** A URL whose port refuses connections: listen on port 0, note the port, close. */
async function refusedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/hook`;
}

const subjects = async (s: TestSmtpServer) => (await Promise.all(s.messages.map((m) => simpleParser(m)))).map((m) => m.subject).sort();

describe('DailyScheduler', () => {
  it('sends today\'s digest on start when its time has passed (a collector restarted at 07:05), and nothing twice', async () => {
    const { cfg, open } = setup();
    const db = open();
    const { server, sender } = await smtp();
    const clock = new FakeClock('2026-11-24T07:05:00Z');
    const s = new DailyScheduler({ db, cfg, clock, sender, make: maker(() => db).make, plan: undefined });
    expect(await s.sweep()).toEqual([{ kind: 'digest', key: 'consultant', day: '2026-11-24', result: 'sent' }, { kind: 'client', key: 'tokyo', day: '2026-11-24', result: 'sent' }]);
    expect(await s.sweep()).toEqual([]);
    clock.set('2026-11-24T07:30:00Z');
    expect(await s.sweep()).toMatchObject([{ kind: 'client', key: 'acme', result: 'sent' }]);
    const mails = await Promise.all(server.messages.map((m) => simpleParser(m)));
    expect(mails.map((m) => [m.subject, (m.to as { text: string }).text])).toEqual([
      ['digest consultant 2026-11-24', 'pat@example.com'],
      ['client tokyo 2026-11-24', 'soumu@tokyo.example'],
      ['client acme 2026-11-24', 'office@acme.example'],
    ]);
    expect(mails[0]!.html).toContain('<p>digest for 2026-11-24</p>');
  });

  it('sends once per day across a restart: same day nothing again, next day sent', async () => {
    const { cfg, open } = setup();
    const { server, sender } = await smtp();
    const first = open();
    await new DailyScheduler({ db: first, cfg, clock: new FakeClock('2026-11-24T07:00:30Z'), sender, make: maker(() => first).make }).sweep();
    first.close();
    const second = open();
    const again = new DailyScheduler({ db: second, cfg, clock: new FakeClock('2026-11-24T09:00:00Z'), sender, make: maker(() => second).make });
    expect((await again.sweep()).filter((o) => o.kind === 'digest')).toEqual([]);
    const clock = new FakeClock('2026-11-25T07:00:00Z');
    const nextDay = new DailyScheduler({ db: second, cfg, clock, sender, make: maker(() => second).make });
    expect((await nextDay.sweep()).filter((o) => o.kind === 'digest')).toEqual([{ kind: 'digest', key: 'consultant', day: '2026-11-25', result: 'sent' }]);
    expect((await subjects(server)).filter((x) => x!.startsWith('digest'))).toEqual(['digest consultant 2026-11-24', 'digest consultant 2026-11-25']);
  });

  it('sends one digest when two schedulers share one database', async () => {
    const { cfg, open } = setup();
    const { server, sender } = await smtp();
    const [a, b] = [open(), open()];
    const at = () => new FakeClock('2026-11-24T07:00:00Z');
    const [sa, sb] = [a, b].map((db) => new DailyScheduler({ db, cfg, clock: at(), sender, make: maker(() => db).make }));
    const digest = sa!.planned[0]!;
    const raced = await Promise.all([sa!.sendOne(digest, '2026-11-24'), sb!.sendOne(digest, '2026-11-24')]);
    expect(raced.map((o) => o.result).sort()).toEqual(['sent', 'taken']);
    const swept = await Promise.all([sa!.sweep(), sb!.sweep()]);
    expect(swept.flat().filter((o) => o.kind === 'digest')).toEqual([]);
    expect(swept.flat().filter((o) => o.result === 'sent').map((o) => o.key)).toEqual(['tokyo']);
    expect((await subjects(server)).filter((x) => x!.startsWith('digest'))).toEqual(['digest consultant 2026-11-24']);
  });

  it('records a refused digest, retries it later the same day, and shows the failure in that digest', async () => {
    const { cfg, open } = setup();
    const db = open();
    let refuse = true;
    const { server, sender } = await smtp({ reject: () => (refuse ? { code: 451, message: 'try again later' } : undefined) });
    const m = maker(() => db);
    const clock = new FakeClock('2026-11-24T07:00:00Z');
    const s = new DailyScheduler({ db, cfg, clock, sender, make: m.make, plan: [{ kind: 'digest', key: 'consultant', timeZone: 'Europe/London', hour: 7, minute: 0, to: ['pat@example.com'] }] });
    expect(await s.sweep()).toMatchObject([{ result: 'failed', error: expect.stringContaining('try again later') }]);
    expect(sendRow(db, 'digest', 'consultant', '2026-11-24')).toMatchObject({ state: 'failed', attempts: 1 });
    refuse = false;
    clock.set('2026-11-24T07:10:00Z');
    expect(await s.sweep()).toEqual([]);
    clock.set('2026-11-24T07:15:00Z');
    expect(await s.sweep()).toMatchObject([{ result: 'sent' }]);
    expect(m.calls[1]!.failures).toEqual([expect.stringMatching(/^digest-email: digest for 2026-11-24: SMTP .*try again later/)]);
    expect(server.messages).toHaveLength(1);
    expect(pendingAlertFailures(db)).toEqual([]);
  });

  it('lists alert failures in the digest and marks them shown only once it was accepted', async () => {
    const { cfg, open } = setup();
    const db = open();
    const { sender } = await smtp();
    recordChannelFailure(db, 'webhook', '[FAILED] Acme / fs1 / Nightly: webhook http://127.0.0.1:9/...: ECONNREFUSED', new Date('2026-11-23T03:00:00Z'));
    const m = maker(() => db);
    await new DailyScheduler({ db, cfg, clock: new FakeClock('2026-11-24T07:00:00Z'), sender, make: m.make }).sweep();
    expect(m.calls.find((c) => c.kind === 'digest')!.failures).toEqual([expect.stringContaining('webhook: [FAILED] Acme / fs1 / Nightly')]);
    expect(pendingAlertFailures(db)).toEqual([]);
  });

  it('still sends the digest after a webhook refused an alert, and the digest lists that failure', async () => {
    const { cfg, open } = setup();
    const db = open();
    const { server, sender } = await smtp();
    const refused = await refusedUrl();
    const withHook = { ...cfg, alerts: { email: false, reminderHours: 24, webhook: { url: refused, format: 'json', timeoutSeconds: 10 } } } as CollectorConfig;
    const alerted = await runAlerts(db, withHook, reportOf([jobStatus('failed')]), { sender, now: new Date('2026-11-24T03:00:00Z') });
    expect(alerted.failed).toBe(1);
    const m = maker(() => db);
    const out = await new DailyScheduler({ db, cfg: withHook, clock: new FakeClock('2026-11-24T07:00:00Z'), sender, make: m.make }).sweep();
    expect(out.find((o) => o.kind === 'digest')).toMatchObject({ result: 'sent' });
    expect(m.calls.find((c) => c.kind === 'digest')!.failures).toEqual([expect.stringMatching(/^webhook: \[FAILED\] Acme Ltd \/ fs1 \/ Nightly: webhook http:\/\/127\.0\.0\.1:\d+\/\.\.\.: connect ECONNREFUSED/)]);
    expect(await subjects(server)).toContain('digest consultant 2026-11-24');
  });

  it('does not resend a digest whose sender died mid-send, and reports it in the next digest', async () => {
    const { cfg, open } = setup();
    const db = open();
    const { server, sender } = await smtp();
    claimSend(db, { kind: 'digest', key: 'consultant', day: '2026-11-24', claimant: 'old-host:123' }, { now: new Date('2026-11-24T07:00:00Z') });
    const m = maker(() => db);
    const clock = new FakeClock('2026-11-24T08:00:00Z');
    const s = new DailyScheduler({ db, cfg, clock, sender, make: m.make });
    expect((await s.sweep()).filter((o) => o.kind === 'digest')).toEqual([]);
    expect(pendingAlertFailures(db)).toMatchObject([{ channel: 'digest-email', error: expect.stringContaining('old-host:123) stopped while sending it; it may not have been delivered') }]);
    clock.set('2026-11-25T07:00:00Z');
    await s.sweep();
    expect(m.calls.find((c) => c.kind === 'digest')).toMatchObject({ date: '2026-11-25', failures: [expect.stringContaining('stopped while sending')] });
    expect((await subjects(server)).filter((x) => x!.startsWith('digest'))).toEqual(['digest consultant 2026-11-25']);
  });

  it('sets node-schedule timers at each recipient\'s local time, and a real timer fires a send', async () => {
    const { cfg, open } = setup();
    const db = open();
    const { sender } = await smtp();
    const idle = new DailyScheduler({ db, cfg, clock: new FakeClock('2026-11-24T06:00:00Z'), sender, make: maker(() => db).make });
    await idle.start();
    cleanups.push(() => idle.stop());
    const now = new Date();
    idle.planned.forEach((p, i) => {
      const next = idle.timers[i]!.nextInvocation()!;
      expect(new Date(next.getTime()).toISOString()).toBe(nextFiringAfter(p, now).toISOString());
    });
    await idle.stop();

    const at = new Date(Date.now() + 2500);
    const plan = [{ kind: 'digest' as const, key: 'consultant', timeZone: 'UTC', hour: at.getUTCHours(), minute: at.getUTCMinutes(), second: at.getUTCSeconds(), to: ['pat@example.com'] }];
    const second = await smtp();
    const live = new DailyScheduler({ db, cfg, clock: systemClock, sender: second.sender, make: maker(() => db).make, plan, dueToleranceMs: 1000 });
    expect(await live.start()).toEqual([]);
    cleanups.push(() => live.stop());
    await second.server.waitFor(1, 5000);
    const [mail] = await Promise.all(second.server.messages.map((x) => simpleParser(x)));
    expect(mail!.subject).toBe(`digest consultant ${at.toISOString().slice(0, 10)}`);
  });
});
