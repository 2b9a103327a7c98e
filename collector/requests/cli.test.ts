import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import { main } from '../../cli/main.ts';
import { readCommandMail } from '../../core/command/email.ts';
import { SignedCommand } from '../../core/command/schema.ts';
import { publicKeyLine } from '../../core/result/keys.ts';
import { sampleResult } from '../../core/result/testing.ts';
import { signedRaw, tempDir, testSites } from '../ingest/testing.ts';

/**
 * The consultant's side on the command line: `collector poll` reads a reply with a request,
 * `collector requests --pending` shows it, `collector request decline|approve ID` decides, and
 * the approval's signed command reaches a real SMTP server.
 */
const [site] = testSites('site-a');
let dir: string, cleanup: () => void, config: string, smtp: TestSmtpServer;
let n = 0;

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  return Object.assign(w, { text: () => chunks.join('') });
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(['node', 'synecdoche', 'collector', ...args, '-c', config], {}, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const deliver = (raw: Buffer) => writeFileSync(join(dir, 'Maildir', 'new', `${1765000000 + ++n}.M${n}.host`), raw);
const ask = async (line: string) =>
  deliver(await new MailComposer({ from: 'office@acme.example', to: 'backups+requests@example.com', subject: 'Re: Acme Ltd: your backups', text: `${line}\n\nSent from my iPhone\n`, messageId: `<ask-${n}@acme.example>` }).compile().build());

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('syn-requests-cli-'));
  smtp = await startSmtpServer();
  for (const s of ['new', 'cur', 'tmp']) mkdirSync(join(dir, 'Maildir', s), { recursive: true });
  config = join(dir, 'collector.yaml');
  writeFileSync(
    config,
    stringify({
      database: { path: 'data/synecdoche.db' },
      mailboxes: [{ name: 'local', type: 'maildir', path: 'Maildir' }],
      consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' },
      clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin', contacts: ['office@acme.example'] }],
      sites: [{ id: site!.id, client: 'acme', publicKeys: [publicKeyLine(site!.keys.publicKey)], commandAddress: 'commands@site-a.example' }],
      smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none' },
      commands: { keyFile: 'command.key' },
      requests: { address: 'backups+requests@example.com' },
    }),
  );
  expect((await main(['node', 'synecdoche', 'collector', 'keygen', '--out', join(dir, 'command.key')], {}, { stdout: sink(), stderr: sink() }))).toBe(0);
  deliver(await signedRaw(sampleResult({ siteId: 'site-a', jobId: 'nightly' }), site!));
});
afterAll(async () => {
  await smtp?.close();
  cleanup?.();
});

describe('collector requests --pending and collector request approve|decline', () => {
  it('shows a request that came by email, declines it with a reason, and approves the next one', async () => {
    await ask('BACKUP nightly NOW');
    expect((await cli('poll')).code).toBe(0);
    const table = await cli('requests', '--pending');
    expect(table.stdout).toMatch(/^ID\s+RECEIVED\s+WHO\s+JOB\s+WHAT\s+ASKED BEFORE/);
    expect(table.stdout).toMatch(/1\s+.*Acme Ltd \(office@acme\.example\)\s+site-a\/nightly\s+an extra run of your "Nightly documents" backup, now\s+0 in 90 days/);

    const declined = await cli('request', 'decline', '1', '--reason', 'It runs tonight anyway.', '--by', 'pat', '--json');
    expect(declined.code, declined.stderr).toBe(0);
    expect(JSON.parse(declined.stdout)).toMatchObject({ id: 1, state: 'declined', decidedBy: 'pat', note: 'It runs tonight anyway.' });
    expect((await cli('request', 'decline', '1')).stderr).toMatch(/client request 1 is declined \(by pat\), not pending/);

    await ask('restore nightly /Invoices/2026 as of 2026-11-20');
    await cli('poll');
    const listed = JSON.parse((await cli('requests', '--pending', '--json')).stdout);
    expect(listed.pending).toMatchObject([{ id: 2, action: 'restore', paths: ['/Invoices/2026'], asOf: '2026-11-20', askedBefore: 1 }]);

    const before = smtp.messages.length;
    const approved = await cli('request', 'approve', '2', '--to', 'D:/Restores/invoices', '--by', 'pat');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^request 2 approved by pat: command [0-9a-f-]{36} sent to site-a \(.*\/Invoices\/2026.*, into D:\/Restores\/invoices\)/);
    const mail = await readCommandMail(smtp.messages[before]!);
    const command = SignedCommand.parse(JSON.parse((mail as { text: string }).text));
    expect(command).toMatchObject({ action: 'restore', restore: { to: 'D:/Restores/invoices', paths: ['/Invoices/2026'], at: '2026-11-20T22:59:59.999Z' }, requestedBy: 'client request 2 (office@acme.example)' });
    // COMMANDS' listing shows the command and who asked for it.
    const commands = JSON.parse((await cli('requests', '--json')).stdout) as { id: string; requestedBy: string }[];
    expect(commands.find((c) => c.id === command.id)?.requestedBy).toBe('client request 2 (office@acme.example)');
  }, 30_000);

  it('names the problem for an unknown request id', async () => {
    const r = await cli('request', 'approve', '99');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no client request 99/);
    expect((await cli('request', 'approve', 'abc')).stderr).toMatch(/request id "abc": expected a number/);
  });
});

describe('collector poll', () => {
  it('tells the client after the pass: received, then declined with the reason', async () => {
    await cli('poll'); // the approval above is told first
    const before = smtp.messages.length;
    await ask('BACKUP nightly NOW');
    expect((await cli('poll')).code).toBe(0);
    const id = JSON.parse((await cli('requests', '--pending', '--json')).stdout).pending[0].id as number;
    await cli('request', 'decline', String(id), '--reason', 'Not today.');
    await cli('poll');
    const subjects = smtp.messages.slice(before).map((m) => /^Subject: (.*)$/m.exec(m.toString())?.[1]);
    expect(subjects).toEqual(['We received your request: backup of Nightly documents', 'Your request was declined: backup of Nightly documents']);
  });
});

describe('answers to what cannot be understood', () => {
  it('go out at most three times a day to one address, so that two mail programs cannot keep answering each other', async () => {
    await cli('poll');
    const before = smtp.messages.length;
    for (let i = 0; i < 5; i++) await ask(`Thank you! (${i})`);
    expect((await cli('poll')).code).toBe(0);
    const subjects = smtp.messages.slice(before).map((m) => /^Subject: (.*)$/m.exec(m.toString())?.[1]);
    expect(subjects).toEqual(['We could not act on your email', 'We could not act on your email', 'We could not act on your email']);
    // All five are kept, visible to the consultant.
    const listed = JSON.parse((await cli('requests', '--pending', '--json')).stdout);
    expect(listed.notQueued.filter((r: { note: string }) => r.note.startsWith('not understood'))).toHaveLength(5);
  });
});
