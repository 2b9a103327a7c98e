import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../agent/testing/smtp.ts';
import { expectExit, spawnCli, until } from '../agent/testing/spawn.ts';
import { signedEmail, testSite } from './testing/messages.ts';
import { sampleResult } from '../core/result/testing.ts';

/**
 * The "done when" for the service: `collector run` as a real process, with the real
 * clock. Digest and summary times of 00:00 have always passed, so the service sends today's
 * right after its first poll; a restart the same day sends nothing again.
 */
let smtp: TestSmtpServer;
let work: string;

beforeAll(async () => {
  smtp = await startSmtpServer();
  work = mkdtempSync(join(tmpdir(), 'syn-service-'));
});
afterAll(async () => {
  await smtp?.close();
  rmSync(work, { recursive: true, force: true });
});

async function deliver(maildir: string, raw: Buffer, name: string): Promise<void> {
  writeFileSync(join(maildir, 'tmp', name), raw);
  renameSync(join(maildir, 'tmp', name), join(maildir, 'new', name));
}

describe('collector run as a service', () => {
  it('sends one digest with its PDF and one summary per client, each about that client only, once a day', async () => {
    const maildir = join(work, 'mail');
    for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
    const acme = testSite('acme-fs1');
    const baker = testSite('baker-nas');
    const now = Date.now();
    const result = (site: typeof acme, jobId: string, name: string, status: 'ok' | 'failed') =>
      sampleResult({
        siteId: site.id,
        jobId,
        site: { id: site.id },
        job: { id: jobId, name, plugin: 'copy', schedule: '0 2 * * *', nextRunAt: new Date(now + 18 * 3_600_000).toISOString() },
        status,
        errors: status === 'failed' ? [{ message: 'destination disk full' }] : [],
        startedAt: new Date(now - 6 * 3_600_000).toISOString(),
        sentAt: new Date(now - 5 * 3_600_000).toISOString(),
      });
    await deliver(maildir, await signedEmail(acme, result(acme, 'docs', 'Acme documents', 'ok')), '1.acme');
    await deliver(maildir, await signedEmail(acme, result(acme, 'mail', 'Acme mail archive', 'failed')), '2.acme');
    await deliver(maildir, await signedEmail(baker, result(baker, 'projects', 'Baker projects', 'ok')), '3.baker');

    const cfg = join(work, 'collector.yaml');
    writeFileSync(
      cfg,
      stringify({
        database: { path: 'collector.db' },
        archive: { folder: 'reports' },
        mailboxes: [{ name: 'local', type: 'maildir', path: maildir, pollSeconds: 1 }],
        smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none' },
        consultant: { name: 'Pat', email: 'pat@consultant.example', timeZone: 'UTC', digestTime: '00:00' },
        clients: [
          { id: 'acme', name: 'Acme Dental', contacts: ['office@acme.example'], timeZone: 'UTC', summaryTime: '00:00' },
          { id: 'baker', name: 'Baker & Sons', contacts: ['boss@baker.example'], timeZone: 'UTC', summaryTime: '00:00' },
        ],
        sites: [
          { id: acme.id, client: 'acme', publicKeys: [acme.publicKey], heartbeatExpected: false },
          { id: baker.id, client: 'baker', publicKeys: [baker.publicKey], heartbeatExpected: false },
        ],
      }),
    );

    const parsed = async () => Promise.all(smtp.messages.map((m) => simpleParser(m)));
    const reports = (all: ParsedMail[]) => all.filter((m) => !/^\[(FAILED|MISSING|RECOVERED)/.test(m.subject ?? ''));
    const service = spawnCli(['collector', 'run', '-c', cfg, '--log-level', 'warn']);
    await until(async () => reports(await parsed()).length >= 3, 60_000, 'the digest and two summaries');
    await new Promise((r) => setTimeout(r, 1500)); // anything extra would arrive now
    service.child.kill('SIGTERM');
    await expectExit(service, 0);

    const first = await parsed();
    const sent = reports(first);
    expect(sent).toHaveLength(3);
    const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : [m.to]).map((a) => a?.text ?? '').join(',');
    const digest = sent.find((m) => to(m).includes('pat@consultant.example'))!;
    expect(digest.subject).toMatch(/^1 failed.*2 OK/);
    expect(digest.html).toBeTruthy();
    expect(digest.text).toContain('Acme mail archive');
    expect(digest.attachments.some((a) => a.contentType === 'application/pdf')).toBe(true);
    const acmeSummary = sent.find((m) => to(m).includes('office@acme.example'))!;
    const bakerSummary = sent.find((m) => to(m).includes('boss@baker.example'))!;
    expect(`${acmeSummary.text}${acmeSummary.html}`).toContain('Acme mail archive');
    expect(`${acmeSummary.text}${acmeSummary.html}`).not.toContain('Baker');
    expect(`${bakerSummary.text}${bakerSummary.html}`).toContain('Baker projects');
    expect(`${bakerSummary.text}${bakerSummary.html}`).not.toContain('Acme');
    // The failed job also raised one immediate alert.
    expect(first.filter((m) => m.subject?.startsWith('[FAILED]'))).toHaveLength(1);

    // A restart the same day sends nothing again.
    const again = spawnCli(['collector', 'run', '-c', cfg, '--log-level', 'warn']);
    await new Promise((r) => setTimeout(r, 5000));
    again.child.kill('SIGTERM');
    await expectExit(again, 0);
    expect(smtp.messages.length).toBe(first.length);

    // What was sent is in the archive, and the archive verifies.
    const verify = spawnCli(['report', 'verify-archive', '-c', cfg]);
    await expectExit(verify, 0);
    expect(verify.stdout()).toMatch(/archive OK: [1-9]\d* files verified/);
  });
});
