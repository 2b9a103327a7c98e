import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import { FakeClock } from '../../core/clock.ts';
import { readCommandMail } from '../../core/command/email.ts';
import { SignedCommand } from '../../core/command/schema.ts';
import { checkCommandSignature } from '../../core/command/sign.ts';
import { silentLogger } from '../../core/log.ts';
import { smtpSender, type MailSender } from '../../core/mail/smtp.ts';
import { generateSiteKeyPair } from '../../core/result/keys.ts';
import { sampleResult } from '../../core/result/testing.ts';
import type { Payload } from '../../core/result/schema.ts';
import { issueCommand } from '../commands/issue.ts';
import { produceReport, sendReport } from '../report/produce.ts';
import { collectorConfigFrom, type CollectorConfig } from '../config.ts';
import { ingestContext } from '../ingest/classify.ts';
import { pollSource } from '../ingest/poll.ts';
import { ImapSource } from '../sources/imap.ts';
import { getRequest, requestsIn } from '../store/client-requests.ts';
import { openStore, type Db } from '../store/db.ts';
import { startDovecot, type Dovecot } from '../testing/dovecot.ts';
import { signedEmail, testSite } from '../testing/messages.ts';
import { pendingRequestsCommand } from './cli.ts';
import { approveRequest, declineRequest, type IssueCommand } from './decide.ts';
import { clientRequestsPass } from './pass.ts';

/**
 * Client requests with real parts: replies land in a real Dovecot, `pollSource` reads them over
 * IMAP; notices and the approved command go out through nodemailer to a real SMTP server
 * (smtp-server); the command is COMMANDS' issueCommand, signed with a real collector key.
 */
const office = testSite('office-fs');
const bolt = testSite('bolt-hq');
const commandKeys = generateSiteKeyPair();
const NOW = new Date('2026-12-04T09:00:00Z');
const REQUESTS = 'backups+requests@consult.example';

let d: Dovecot;
let smtp: TestSmtpServer;
let dir: string;
let cfg: CollectorConfig;
let db: Db;
let sender: MailSender;
const clock = new FakeClock(NOW);

/**
 * "as of yesterday" as the collector reads it: the day before the mail arrived, in the client's
 * zone (Europe/Berlin). The arrival is Dovecot's real delivery time, not the fake clock, so the
 * expectation follows the real day (after 23:00 UTC Berlin is already on the next one).
 */
function berlinYesterday(): { date: string; end: string; label: string } {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
  // The end of that day in Berlin: its local midnight that follows, less 1 ms.
  const midnightUtc = Date.UTC(y, m - 1, d);
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', timeZoneName: 'longOffset' }).formatToParts(new Date(midnightUtc)).find((p) => p.type === 'timeZoneName')!.value;
  const [, sign, hh, mm] = /GMT([+-])(\d\d):?(\d\d)?/.exec(offset) ?? [null, '+', '00', '00'];
  const minutes = (Number(hh) * 60 + Number(mm ?? 0)) * (sign === '-' ? -1 : 1);
  const day = new Date(Date.UTC(y, m - 1, d - 1));
  const part = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', ...o }).format(day);
  const label = `${part({ weekday: 'short' })} ${part({ day: 'numeric' })} ${part({ month: 'short' })} ${part({ year: 'numeric' })}`;
  return { date, end: new Date(midnightUtc - minutes * 60_000 - 1).toISOString(), label };
}

function reply(o: Mail.Options): Promise<Buffer> {
  return new MailComposer({ to: REQUESTS, date: NOW, messageId: `<${randomUUID()}@mail.example>`, subject: 'RE: Acme Ltd: all 2 backups ran last night', ...o }).compile().build();
}

async function poll(): Promise<void> {
  const source = new ImapSource({ host: d.host, port: d.imapPort, tls: 'none', rejectUnauthorized: true, user: d.user, folder: 'INBOX', processedFolder: 'Synecdoche/Processed', quarantineFolder: 'Synecdoche/Quarantine' }, { password: d.pass }, { logger: silentLogger });
  try {
    await pollSource(db, source, ingestContext(cfg, { source: 'imap:test', clock, log: silentLogger }), silentLogger, { mailbox: 'test', batchSize: 50 });
  } finally {
    await source.close();
  }
}

/** The mails the SMTP server took from `from` on, parsed. */
async function mailsSince(from: number) {
  return Promise.all(smtp.messages.slice(from).map((m) => simpleParser(m)));
}

/** A signed restore report as an agent sends it when a command's restore has finished. */
function restoreReport(commandId: string, target: string, files: number, bytes: number): Payload {
  return {
    format: 'synecdoche-result', version: 1, kind: 'restore',
    site: { id: office.id, client: 'Acme Ltd' }, agent: { host: 'fileserver', version: '0.1.0', timeZone: 'Europe/Berlin' },
    runId: randomUUID(), sentAt: '2026-12-04T09:05:00.000Z',
    job: { id: 'documents', name: 'Documents', plugin: 'copy' }, command: { id: commandId },
    startedAt: '2026-12-04T09:02:00.000Z', endedAt: '2026-12-04T09:04:00.000Z', status: 'ok',
    from: { runId: null, at: '2026-12-03T01:00:00.000Z' }, target, inPlace: false, paths: ['/Invoices/2026'],
    files: { restored: files, failed: 0 }, bytes: { restored: bytes },
    verification: { mode: 'all', algorithm: 'sha256', checked: files, mismatches: 0, mismatchedPaths: [] },
    incomplete: false, errors: [], logTail: '', sizeOnly: 0,
  } as Payload;
}

const issue: IssueCommand = async (c) => ({ id: (await issueCommand({ db, cfg, clock, sender, keys: commandKeys }, c)).command.id });

beforeAll(async () => {
  [d, smtp] = await Promise.all([startDovecot(), startSmtpServer()]);
  dir = mkdtempSync(join(tmpdir(), 'syn-requests-'));
  cfg = collectorConfigFrom(
    {
      database: { path: join(dir, 'c.db') },
      consultant: { name: 'Pat Consultant', email: 'pat@consult.example', timeZone: 'Europe/Berlin' },
      clients: [
        { id: 'acme', name: 'Acme Ltd', contacts: ['anna@acme.example'], timeZone: 'Europe/Berlin' },
        { id: 'bolt', name: 'Bolt GmbH', contacts: ['ben@bolt.example'], timeZone: 'Europe/Berlin' },
      ],
      sites: [
        { id: office.id, client: 'acme', publicKeys: [office.publicKey], commandAddress: 'commands@office-fs.example' },
        { id: bolt.id, client: 'bolt', publicKeys: [bolt.publicKey] },
      ],
      smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none' },
      commands: { keyFile: join(dir, 'unused.key') },
      requests: { address: REQUESTS },
    },
    dir,
  );
  db = openStore(cfg.database.path);
  sender = smtpSender(cfg.smtp!, {});
  // The jobs the collector has heard of: Acme's documents and mail archive, Bolt's ledger.
  const result = (site: typeof office, id: string, name: string) => signedEmail(site, sampleResult({ siteId: site.id, jobId: id, job: { id, name, plugin: 'copy', schedule: '0 2 * * *', nextRunAt: '2026-12-05T01:00:00.000Z' } }));
  await d.deliver([await result(office, 'documents', 'Documents'), await result(office, 'mail-archive', 'Mail archive'), await result(bolt, 'ledger', 'Ledger')]);
  await poll();
}, 60_000);
afterAll(async () => {
  sender?.close();
  db?.close();
  await Promise.all([d?.stop(), smtp?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('client requests by email', () => {
  it('sends the client summary with requests.address as Reply-To, and the digest without', async () => {
    const before = smtp.messages.length;
    for (const req of [{ kind: 'client', clientId: 'acme' }, { kind: 'digest' }] as const) {
      const r = await produceReport(db, cfg, req, { now: NOW, pdf: false, clock, env: {} });
      await sendReport(sender, cfg, r, ['x@example.com']);
    }
    const [summary, digest] = await mailsSince(before);
    expect(summary!.replyTo?.value[0]?.address).toBe(REQUESTS);
    expect(digest!.replyTo).toBeUndefined();
    smtp.messages.splice(before);
  }, 30_000);

  it('queues a RESTORE reply from a contact, refuses a stranger and another client\'s job, and answers what it cannot read', async () => {
    const outlook = await reply({
      from: 'Anna Smith <anna@acme.example>',
      text: 'RESTORE documents /Invoices/2026 as of yesterday\r\n\r\nThanks, Anna\r\n\r\n________________________________\r\nFrom: Pat Consultant <pat@consult.example>\r\nSent: Friday, December 4, 2026 7:30 AM\r\nSubject: Acme Ltd: all 2 backups ran last night\r\n\r\nRESTORE mail-archive\r\n',
    });
    const stranger = await reply({ from: 'mallory@evil.example', text: 'RESTORE documents /Invoices/2026\n' });
    const foreignJob = await reply({ from: 'anna@acme.example', text: 'RESTORE ledger /2026\n\nSent from my iPhone' });
    const muddled = await reply({ from: 'anna@acme.example', html: '<p>Hi, could you get back the invoices folder from last week?</p><blockquote>BACKUP documents NOW</blockquote>' });
    const sentBefore = smtp.messages.length;
    await d.deliver([outlook, stranger, foreignJob, muddled]);
    await poll();

    const pending = requestsIn(db, ['pending']);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ clientId: 'acme', from: 'anna@acme.example', action: 'restore', siteId: 'office-fs', jobId: 'documents', args: { paths: ['/Invoices/2026'], asOf: berlinYesterday().date } });
    const refused = requestsIn(db, ['refused']);
    expect(refused.map((r) => [r.from, r.clientId, r.note])).toEqual([
      ['mallory@evil.example', null, 'mallory@evil.example is not a contact of any client (clients[].contacts)'],
      ['anna@acme.example', 'acme', 'names bolt-hq/ledger, a job of another client'],
      ['anna@acme.example', 'acme', 'not understood: no line starting with BACKUP or RESTORE'],
    ]);
    // Every request mail is filed as processed; none is left in the inbox or quarantined.
    const processed = Number(/messages=(\d+)/.exec(await d.doveadm('mailbox', 'status', '-u', d.user, 'messages', 'Synecdoche.Processed'))?.[1]);
    expect(processed).toBe(7);

    await clientRequestsPass(db, cfg, sender, NOW, silentLogger);
    const mails = await mailsSince(sentBefore);
    // No answer to the stranger; Anna hears about each of her three emails.
    expect(mails.map((m) => m.to && 'value' in m.to ? m.to.value[0]!.address : null)).toEqual(['anna@acme.example', 'anna@acme.example', 'anna@acme.example']);
    const [received, notHers, help] = mails as [(typeof mails)[0], (typeof mails)[0], (typeof mails)[0]];
    expect(received.subject).toBe('We received your request: restore of /Invoices/2026');
    expect(received.text).toContain(`a restore of /Invoices/2026 from your "Documents" backup, as it was on ${berlinYesterday().label}`);
    expect(received.inReplyTo).toBe(pending[0]!.messageId);
    expect(received.replyTo?.value[0]?.address).toBe(REQUESTS);
    // Bolt's job is never named back to Acme: Anna is told no backup of hers has that name.
    expect(notHers.text).toContain('We could not find a backup called "ledger" among yours.');
    expect(notHers.text).toContain('Your backups are called: Documents, Mail archive.');
    expect(notHers.text).not.toMatch(/Ledger|Bolt|bolt-hq/);
    expect(help.subject).toBe('We could not act on your email');
    expect(help.text).toContain('RESTORE Documents /Invoices/2026 as of yesterday');
    expect(help.html).toContain('<code>BACKUP Documents NOW</code>');

    // Told once: a second pass sends nothing more.
    await clientRequestsPass(db, cfg, sender, NOW, silentLogger);
    expect(smtp.messages.length).toBe(sentBefore + 3);
  }, 60_000);

  it('lists the queue with who asked and how often they asked before, and keeps the refused ones visible', () => {
    const lines: string[] = [];
    const out = pendingRequestsCommand({ db, cfg, clock, log: silentLogger, out: (l) => lines.push(l) }, {});
    expect(out.pending).toHaveLength(1);
    // Anna's restore came first of her three emails: nothing before it.
    expect(out.pending[0]).toMatchObject({ client: 'Acme Ltd', from: 'anna@acme.example', askedBefore: 0, what: expect.stringContaining('/Invoices/2026') });
    expect(out.notQueued.map((r) => [r.from, r.askedBefore])).toEqual([['mallory@evil.example', 0], ['anna@acme.example', 1], ['anna@acme.example', 2]]);
    expect(lines.join('\n')).toMatch(/Acme Ltd \(anna@acme\.example\)/);
    expect(lines.join('\n')).toMatch(/Refused or not understood/);
  });

  it('approves a restore: the signed command reaches the SMTP server, into a new folder, and the client is told', async () => {
    const [r] = requestsIn(db, ['pending']);
    const sentBefore = smtp.messages.length;
    const approved = await approveRequest(db, cfg, r!.id, { by: 'pat', now: NOW }, issue);
    expect(approved).toMatchObject({ state: 'approved', decidedBy: 'pat', decidedAt: NOW.getTime(), args: { to: `synecdoche-restores/documents/request-${r!.id}` } });
    const commandMail = smtp.messages[sentBefore]!;
    const read = await readCommandMail(commandMail);
    expect('text' in read).toBe(true);
    const command = SignedCommand.parse(JSON.parse((read as { text: string }).text));
    expect(command).toMatchObject({
      id: approved.commandId,
      action: 'restore',
      site: { id: 'office-fs' },
      job: { id: 'documents' },
      restore: { to: `synecdoche-restores/documents/request-${r!.id}`, paths: ['/Invoices/2026'], at: berlinYesterday().end },
      requestedBy: `client request ${r!.id} (anna@acme.example)`,
    });
    expect(checkCommandSignature(command as unknown as Record<string, unknown>, commandKeys.publicKey)).toBe('valid');
    expect((await simpleParser(commandMail)).to).toMatchObject({ value: [{ address: 'commands@office-fs.example' }] });
    await expect(approveRequest(db, cfg, r!.id, { by: 'pat', now: NOW }, issue)).rejects.toThrow(/is approved \(by pat\), not pending/);

    await clientRequestsPass(db, cfg, sender, NOW, silentLogger);
    const [told] = await mailsSince(sentBefore + 1);
    expect(told!.subject).toBe('Your request was approved: restore of /Invoices/2026');
    expect(told!.text).toContain('It has been sent to your office computer');
    expect(told!.text).toContain(`synecdoche-restores/documents/request-${r!.id}`);

    // The agent's signed restore report, naming the command, arrives in the mailbox: the command
    // is done, and the client is told it is finished, with what was restored where.
    const target = `C:\\Users\\office\\synecdoche-restores\\documents\\request-${r!.id}`;
    await d.deliver(await signedEmail(office, restoreReport(approved.commandId!, target, 143, 12_500_000)));
    await poll();
    await clientRequestsPass(db, cfg, sender, new Date(NOW.getTime() + 120_000), silentLogger);
    expect(getRequest(db, r!.id)).toMatchObject({ state: 'done', args: { result: { files: 143, bytes: 12_500_000, target, status: 'ok' } } });
    const [finished] = await mailsSince(sentBefore + 2);
    expect(finished!.subject).toBe('Your restore of /Invoices/2026 is finished');
    expect(finished!.text).toContain(`143 files (13 MB) restored into the folder ${target}.`);
  }, 60_000);

  it('declines a backup request with a reason the client reads, and a second "asked before" counts the first', async () => {
    const mail = await reply({ from: 'anna@acme.example', text: 'backup documents now please\n' });
    await d.deliver(mail);
    await poll();
    const [r] = requestsIn(db, ['pending']);
    expect(r).toMatchObject({ action: 'backup', jobId: 'documents' });
    const lines: string[] = [];
    const listed = pendingRequestsCommand({ db, cfg, clock, log: silentLogger, out: (l) => lines.push(l) }, { json: true });
    expect(listed.pending[0]!.askedBefore).toBe(3);
    const sentBefore = smtp.messages.length;
    await clientRequestsPass(db, cfg, sender, NOW, silentLogger); // "We received ..."
    const declined = declineRequest(db, r!.id, { by: 'pat', reason: 'The backup already runs tonight at 22:00 <b>as usual</b>.', now: NOW });
    expect(declined).toMatchObject({ state: 'declined', decidedBy: 'pat', note: 'The backup already runs tonight at 22:00 <b>as usual</b>.' });
    await clientRequestsPass(db, cfg, sender, NOW, silentLogger);
    const [received, told] = await mailsSince(sentBefore);
    expect(received!.subject).toBe('We received your request: backup of Documents');
    expect(told!.subject).toBe('Your request was declined: backup of Documents');
    expect(told!.text).toContain('The reason: The backup already runs tonight at 22:00 <b>as usual</b>.');
    // The reason is text in the HTML notice, not markup.
    expect(told!.html).toContain('The reason: The backup already runs tonight at 22:00 &lt;b&gt;as usual&lt;/b&gt;.');
    expect(() => declineRequest(db, r!.id, { by: 'pat', now: NOW })).toThrow(/is declined/);
  }, 60_000);
});
