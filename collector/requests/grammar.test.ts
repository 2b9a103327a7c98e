import { describe, expect, it } from 'vitest';
import { findRequestLine, parseRequest, parseWhen, type JobRef } from './grammar.ts';
import { freshText } from './text.ts';

const JOBS: JobRef[] = [
  { siteId: 'office-fs', jobId: 'documents', name: 'Documents' },
  { siteId: 'office-fs', jobId: 'mail-archive', name: 'Mail archive' },
  { siteId: 'branch', jobId: 'documents', name: 'Documents' },
  { siteId: 'office-fs', jobId: 'accounts', name: 'Accounts DB' },
];
const OWN = JOBS.filter((j) => j.siteId === 'office-fs');
const TODAY = '2026-12-04';

function parse(text: string, jobs = OWN) {
  const line = findRequestLine(freshText({ text }));
  if (!line) return null;
  return parseRequest(line, jobs, TODAY);
}

describe('the request grammar', () => {
  it('reads a restore of one folder as of yesterday, whatever the case', () => {
    expect(parse('RESTORE documents /Invoices/2026 as of yesterday')).toEqual({
      action: 'restore', job: OWN[0], paths: ['/Invoices/2026'], asOf: '2026-12-03',
    });
    expect(parse('restore Documents /Invoices/2026 As Of Yesterday.')).toMatchObject({ paths: ['/Invoices/2026'], asOf: '2026-12-03' });
  });

  it('reads a backup now, with "back up", "please" and trailing punctuation', () => {
    for (const t of ['BACKUP documents NOW', 'Please back up documents now!', 'backup documents now please', 'backup: documents', 'Back up the documents right now.']) {
      expect(parse(t), t).toEqual({ action: 'backup', job: OWN[0], paths: [], asOf: null });
    }
  });

  it('takes a job by its name with spaces, or its id', () => {
    expect(parse('RESTORE Mail archive "/2025/Q4" as of 3 days ago')).toEqual({ action: 'restore', job: OWN[1], paths: ['/2025/Q4'], asOf: '2026-12-01' });
    expect(parse('restore mail-archive')).toEqual({ action: 'restore', job: OWN[1], paths: [], asOf: null });
    expect(parse('BACKUP accounts db now')).toMatchObject({ job: OWN[2] });
  });

  it('takes quoted paths with spaces, several paths, backslashes and drive letters', () => {
    expect(parse('RESTORE documents "/Letters/Offer 12.docx", /Invoices/2026 and \\Scans\\2026')).toMatchObject({ paths: ['/Letters/Offer 12.docx', '/Invoices/2026', '/Scans/2026'] });
    expect(parse('RESTORE documents C:\\Data\\Invoices')).toMatchObject({ paths: ['/Data/Invoices'] });
    expect(parse('RESTORE documents /Invoices 2026/March as of 2026-11-30')).toMatchObject({ paths: ['/Invoices 2026/March'], asOf: '2026-11-30' });
  });

  it('asks which site when two sites have the job, and takes "site/job" or "on site"', () => {
    expect(parse('RESTORE documents /a', JOBS)).toMatchObject({ problem: 'ambiguous-job' });
    expect(parse('RESTORE branch/documents /a', JOBS)).toMatchObject({ job: JOBS[2], paths: ['/a'] });
    expect(parse('RESTORE documents on branch /a as of yesterday', JOBS)).toMatchObject({ job: JOBS[2], paths: ['/a'], asOf: '2026-12-03' });
  });

  it('refuses what it cannot read, with words a client understands', () => {
    expect(parse('RESTORE payroll /2026')).toMatchObject({ problem: 'unknown-job', named: 'payroll' });
    expect(parse('RESTORE')).toMatchObject({ problem: 'no-job' });
    expect(parse('RESTORE documents Invoices')).toMatchObject({ problem: 'bad-path' });
    expect(parse('RESTORE documents /../etc/passwd')).toMatchObject({ problem: 'bad-path' });
    expect(parse('RESTORE documents /a as of last Tuesday-ish')).toMatchObject({ problem: 'bad-date' });
    expect(parse('RESTORE documents /a as of 2027-01-01')).toMatchObject({ problem: 'bad-date', words: expect.stringMatching(/future/) });
    expect(parse('BACKUP documents /Invoices')).toMatchObject({ problem: 'extra-words' });
    expect(parse('Could you get my invoices back?')).toBeNull();
  });

  it('reads dates as people write them', () => {
    expect(parseWhen('today', TODAY)).toBe(TODAY);
    expect(parseWhen('last night', TODAY)).toBe('2026-12-03');
    expect(parseWhen('a week ago', TODAY)).toBe('2026-11-27');
    expect(parseWhen('2 weeks ago', TODAY)).toBe('2026-11-20');
    expect(parseWhen('1.3.2026', TODAY)).toBe('2026-03-01');
    expect(parseWhen('1st March 2026', TODAY)).toBe('2026-03-01');
    expect(parseWhen('March 1, 2026', TODAY)).toBe('2026-03-01');
    expect(parseWhen('2026-02-30', TODAY)).toBeNull();
    expect(parseWhen('Smarch 1 2026', TODAY)).toBeNull();
  });
});

describe('the fresh text of a reply', () => {
  it('skips an Outlook quoted reply below the request', () => {
    const text = [
      'RESTORE documents /Invoices/2026 as of yesterday',
      '',
      'Thanks, Anna',
      '',
      '________________________________',
      'From: Pat Consultant <pat@consult.example>',
      'Sent: Thursday, December 3, 2026 7:30 AM',
      'To: Anna <anna@acme.example>',
      'Subject: Acme Ltd: all 3 backups ran last night',
      '',
      'RESTORE everything please (an example in the summary)',
    ].join('\r\n');
    expect(freshText({ text })).toBe('RESTORE documents /Invoices/2026 as of yesterday\n\nThanks, Anna');
  });

  it('skips "> " quoting and the "On ... wrote:" header of Gmail and Apple Mail', () => {
    const text = 'Hi Pat,\n\nbackup documents now\n\nOn Thu, 3 Dec 2026 at 07:30, Pat <pat@consult.example> wrote:\n> BACKUP mail-archive NOW\n';
    expect(findRequestLine(freshText({ text }))).toMatchObject({ action: 'backup', rest: 'documents now' });
    expect(freshText({ text: '> RESTORE documents /x\n' })).toBe('');
  });

  it('stops at "Sent from my iPhone" and at a signature delimiter', () => {
    expect(freshText({ text: 'BACKUP documents NOW\n\nSent from my iPhone\n\nRESTORE accounts' })).toBe('BACKUP documents NOW');
    expect(freshText({ text: 'BACKUP documents NOW\n-- \nAnna Smith\nRESTORE accounts /x' })).toBe('BACKUP documents NOW');
  });

  it('reads an HTML-only reply without its quoted blocks (Gmail, Outlook web)', () => {
    const gmail = '<div dir="ltr">Restore&nbsp;documents /Invoices/2026 as of yesterday<br>Thanks</div><br><div class="gmail_quote"><div dir="ltr">On Thu, Pat wrote:</div><blockquote>BACKUP accounts NOW</blockquote></div>';
    expect(findRequestLine(freshText({ html: gmail }))).toMatchObject({ action: 'restore', rest: 'documents /Invoices/2026 as of yesterday' });
    const outlook = '<html><body><div>BACKUP documents NOW</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>From:</b> Pat &lt;pat@consult.example&gt;<br><b>Sent:</b> Thursday</div><div>RESTORE accounts /x</div></body></html>';
    expect(freshText({ html: outlook })).toBe('BACKUP documents NOW');
    expect(parse(freshText({ html: outlook }))).toMatchObject({ action: 'backup', job: OWN[0] });
  });

  it('prefers the plain part when a mail has both', () => {
    expect(freshText({ text: 'BACKUP documents NOW', html: '<p>RESTORE accounts</p>' })).toBe('BACKUP documents NOW');
  });
});
