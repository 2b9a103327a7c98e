import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import { smtpSender, type MailSender } from '../../core/mail/smtp.ts';
import type { CollectorConfig } from '../config.ts';
import { tempDir, testConfig, testSites } from '../ingest/testing.ts';
import { openStore, type Db } from '../store/db.ts';
import { pendingAlertFailures } from './failures.ts';
import { runAlerts } from './run.ts';
import { jobStatus, mailboxStatus, reportOf } from './testing.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(alerts?: unknown): { db: Db; cfg: CollectorConfig; path: string } {
  const t = tempDir('syn-alerts-');
  const base = testConfig(t.dir, testSites('fs1'));
  const cfg = (alerts === undefined ? base : { ...base, alerts }) as CollectorConfig;
  const db = openStore(cfg.database.path);
  cleanups.push(() => {
    db.close();
    t.cleanup();
  });
  return { db, cfg, path: cfg.database.path };
}

async function smtp(): Promise<{ server: TestSmtpServer; sender: MailSender }> {
  const server = await startSmtpServer();
  const sender = smtpSender({ host: '127.0.0.1', port: server.port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 5 }, {});
  cleanups.push(async () => {
    sender.close();
    await server.close();
  });
  return { server, sender };
}

async function httpSink(status = 200): Promise<{ url: string; bodies: { headers: IncomingMessage['headers']; body: string }[] }> {
  const bodies: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret`, bodies };
}

/** A port that refuses connections: listen on 0, note the port, close. */
async function refusedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/hook`;
}

const T0 = new Date('2026-11-24T07:00:00Z');
const later = (h: number) => new Date(T0.getTime() + h * 3_600_000);

describe('runAlerts', () => {
  it('emails the consultant when a job fails and when it recovers, through a real SMTP server', async () => {
    const { db, cfg } = setup();
    const { server, sender } = await smtp();
    await runAlerts(db, cfg, reportOf([jobStatus('ok')]), { sender, now: T0 });
    await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { sender, now: later(1) });
    await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { sender, now: later(2) });
    await runAlerts(db, cfg, reportOf([jobStatus('ok')]), { sender, now: later(3) });
    const mails = await Promise.all((await server.waitFor(2)).map((raw) => simpleParser(raw)));
    expect(server.messages).toHaveLength(2);
    expect(mails.map((m) => m.subject)).toEqual(['[FAILED] Acme Ltd / fs1 / Nightly', '[RECOVERED] Acme Ltd / fs1 / Nightly']);
    expect(mails[0]!.to).toMatchObject({ text: 'pat@example.com' });
    expect(mails[0]!.text).toContain('Reason:    last run failed: disk full');
    expect(mails[1]!.text).toContain('It was failed before');
  });

  it('says in the alert that a third-party job\'s facts are unsigned', async () => {
    const { db, cfg } = setup();
    const { server, sender } = await smtp();
    await runAlerts(db, cfg, reportOf([jobStatus('failed', { source: 'third-party', dueFrom: 'learned' })]), { sender, now: T0 });
    const [mail] = await Promise.all((await server.waitFor(1)).map((raw) => simpleParser(raw)));
    expect(mail!.text).toContain("Note:      unsigned: from the tool's own notification email");
    expect(mail!.text).toContain('Note:      next due guessed from the usual interval');
    expect(mail!.html).toMatch(/<th align="left">Note<\/th><td>unsigned: from the tool(&#x27;|')s own notification email<\/td>/);
  });

  it('escapes a hostile job name in the alert HTML', async () => {
    const { db, cfg } = setup();
    const { server, sender } = await smtp();
    await runAlerts(db, cfg, reportOf([jobStatus('failed', { jobName: '<script>alert(1)</script>' })]), { sender, now: T0 });
    const [mail] = await Promise.all((await server.waitFor(1)).map((raw) => simpleParser(raw)));
    expect(mail!.html).not.toContain('<script>');
    expect(mail!.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail!.subject).toBe('[FAILED] Acme Ltd / fs1 / <script>alert(1)</script>');
  });

  it('posts JSON compatible with Slack to a real webhook server, and no email when email is off', async () => {
    const hook = await httpSink();
    const { db, cfg } = setup({ email: false, reminderHours: 24, webhook: { url: '', format: 'json', timeoutSeconds: 10 } });
    (cfg as unknown as { alerts: { webhook: { url: string } } }).alerts.webhook.url = hook.url;
    const { server, sender } = await smtp();
    const out = await runAlerts(db, cfg, reportOf([jobStatus('missing', { reason: 'no report for the run due 5 hours ago' })]), { sender, now: T0 });
    expect(out.failed).toBe(0);
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hook.bodies[0]!.body)).toEqual({
      text: '[MISSING] Acme Ltd / fs1 / Nightly since Tue 24 Nov 01:00 (Europe/London): no report for the run due 5 hours ago',
      state: 'MISSING', client: 'Acme Ltd', site: 'fs1', job: 'Nightly', since: '2026-11-24T01:00:00.000Z', reason: 'no report for the run due 5 hours ago',
    });
    expect(server.messages).toHaveLength(0);
  });

  it('sends ntfy a plain-text body with a title', async () => {
    const hook = await httpSink();
    const { db, cfg } = setup({ email: false, reminderHours: 24, webhook: { url: hook.url, format: 'ntfy', timeoutSeconds: 10 } });
    await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { now: T0 });
    expect(hook.bodies[0]!.headers).toMatchObject({ title: '[FAILED] Acme Ltd / fs1 / Nightly', tags: 'warning' });
    expect(hook.bodies[0]!.body).toMatch(/^\[FAILED\] Acme Ltd \/ fs1 \/ Nightly since .*: last run failed: disk full$/);
  });

  it('records a webhook that refuses connections, still emails, and never throws', async () => {
    const { db, cfg } = setup({ email: true, reminderHours: 24, webhook: { url: await refusedUrl(), format: 'slack', timeoutSeconds: 10 } });
    const { server, sender } = await smtp();
    const out = await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { sender, now: T0 });
    expect(out).toMatchObject({ failed: 1, events: [{ kind: 'alert' }] });
    await server.waitFor(1);
    const failures = pendingAlertFailures(db);
    expect(failures).toMatchObject([{ channel: 'webhook', at: T0, error: expect.stringMatching(/^\[FAILED\] Acme Ltd \/ fs1 \/ Nightly: webhook http:\/\/127\.0\.0\.1:\d+\/\.\.\.: .*ECONNREFUSED/) }]);
  });

  it('records a webhook that answers HTTP 500', async () => {
    const hook = await httpSink(500);
    const { db, cfg } = setup({ email: false, reminderHours: 24, webhook: { url: hook.url, format: 'json', timeoutSeconds: 10 } });
    await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { now: T0 });
    expect(pendingAlertFailures(db)).toMatchObject([{ channel: 'webhook', error: expect.stringContaining('answered HTTP 500: nope') }]);
  });

  it('records an SMTP server that refuses the alert', async () => {
    const { db, cfg } = setup();
    const server = await startSmtpServer({ reject: () => ({ code: 554, message: 'no alerts today' }) });
    const sender = smtpSender({ host: '127.0.0.1', port: server.port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 5 }, {});
    cleanups.push(async () => {
      sender.close();
      await server.close();
    });
    await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { sender, now: T0 });
    expect(pendingAlertFailures(db)).toMatchObject([{ channel: 'email', error: expect.stringContaining('no alerts today') }]);
  });

  it('sends each alert once when two collectors on one database evaluate the same report', async () => {
    const { db, cfg, path } = setup();
    const other = openStore(path);
    cleanups.push(() => void other.close());
    const { server, sender } = await smtp();
    const report = reportOf([jobStatus('failed'), jobStatus('missing', { jobId: 'weekly', jobName: 'Weekly' })]);
    await Promise.all([runAlerts(db, cfg, report, { sender, now: T0 }), runAlerts(other, cfg, report, { sender, now: T0 })]);
    await server.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.messages).toHaveLength(2);
  });

  it('posts a monitoring blind alert to the webhook naming the mailbox, and emails it', async () => {
    const hook = await httpSink();
    const { db, cfg } = setup({ webhook: { url: hook.url, format: 'json' } });
    const { server, sender } = await smtp();
    const out = await runAlerts(db, cfg, reportOf([], T0, { mailboxes: [mailboxStatus(true)] }), { sender, now: T0 });
    expect(out.failed).toBe(0);
    expect(JSON.parse(hook.bodies[0]!.body)).toEqual({
      text: '[MONITORING BLIND] mailbox main since Tue 24 Nov 06:00 (Europe/London): not read successfully since Tue 24 Nov 06:00 (Europe/London); last error: connect ECONNREFUSED 127.0.0.1:1143',
      state: 'MONITORING BLIND', client: null, site: null, job: null, mailbox: 'main', since: '2026-11-24T06:00:00.000Z',
      reason: 'not read successfully since Tue 24 Nov 06:00 (Europe/London); last error: connect ECONNREFUSED 127.0.0.1:1143',
    });
    const [mail] = await Promise.all((await server.waitFor(1)).map((raw) => simpleParser(raw)));
    expect(mail!.subject).toBe('[MONITORING BLIND] mailbox main');
    expect(mail!.html).toContain('<th align="left">Mailbox</th><td>main</td>');
    expect(mail!.html).not.toContain('<th align="left">Job</th>');
  });

  it('sends nothing for a kind that is switched off, and still alerts the others', async () => {
    const { db, cfg } = setup({ kinds: { failed: { enabled: false } } });
    const { server, sender } = await smtp();
    const out = await runAlerts(db, cfg, reportOf([jobStatus('failed'), jobStatus('missing', { jobId: 'weekly', jobName: 'Weekly' })]), { sender, now: T0 });
    expect(out.events.map((e) => e.problem)).toEqual(['missing']);
    const [mail] = await Promise.all((await server.waitFor(1)).map((raw) => simpleParser(raw)));
    expect(mail!.subject).toBe('[MISSING] Acme Ltd / fs1 / Weekly');
    await new Promise((r) => setTimeout(r, 200));
    expect(server.messages).toHaveLength(1);
  });

  it('reminds while a job stays failed', async () => {
    const { db, cfg } = setup();
    const { server, sender } = await smtp();
    for (const h of [0, 1, 23, 24, 30, 48]) await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { sender, now: later(h) });
    const subjects = (await Promise.all((await server.waitFor(3)).map((r) => simpleParser(r)))).map((m) => m.subject);
    expect(subjects).toEqual(['[FAILED] Acme Ltd / fs1 / Nightly', '[STILL FAILED] Acme Ltd / fs1 / Nightly', '[STILL FAILED] Acme Ltd / fs1 / Nightly']);
  });
});
