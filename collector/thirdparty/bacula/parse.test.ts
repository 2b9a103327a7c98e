import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { naiveReportTime } from './dates.ts';
import { baculaParser } from './parse.ts';
import { jobName } from './result.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const fixture = (name: string) => fixtures.get(name)!;
const parse = (n: Notification) => baculaParser.parse(n)!;

/** A fixture's body with one part replaced (the variants no real mail was found for). */
function withText(name: string, from: RegExp | string, to: string): Notification {
  const n = fixture(name);
  expect(n.text).toMatch(from);
  return { ...n, text: n.text.replace(from, to) };
}

describe('successful jobs', () => {
  it('reads a Bacula 9.6.7 Backup OK report: job without its run suffix, client as host, exact bytes, times in the Date header zone', () => {
    const r = parse(fixture('bacula-9.6.7-backup-ok-full-upgraded.eml'));
    expect(r).toMatchObject({ tool: 'bacula', job: 'rdc10235a', host: 'rdc552836.example.com-fd', operation: 'backup', status: 'ok', errors: [], objects: [] });
    // Start time: 14-Sep-2022 14:26:26, mail sent Wed, 14 Sep 2022 14:26:31 +0200
    expect(r.startedAt).toEqual(new Date('2022-09-14T12:26:26Z'));
    expect(r.endedAt).toEqual(new Date('2022-09-14T12:26:30Z'));
    expect(r.files).toEqual({ examined: null, copied: 1, failed: null });
    expect(r.bytes).toEqual({ examined: null, copied: 6728, failed: null });
    expect(r.summary).toBe('Backup OK: rdc10235a on rdc552836.example.com-fd, Full (upgraded from Incremental), 1 file (6.728 KB)');
  });

  it('reads a Differential whose log lines carry ISO times and whose Volume name(s) wrap over several lines', () => {
    const r = parse(fixture('bacula-9.6.7-differential-ok-iso-log-times.eml'));
    expect(r).toMatchObject({ job: 'nextcloud', host: 'rdcc295d9.example.com-fd', status: 'ok', errors: [] });
    expect(r.files.copied).toBe(13028);
    expect(r.bytes.copied).toBe(172723413764);
    expect(r.startedAt).toEqual(new Date('2022-10-07T18:00:15Z'));
    expect(r.endedAt).toEqual(new Date('2022-10-07T19:57:12Z'));
    expect(r.summary).toMatch(/^Backup OK: nextcloud on rdcc295d9\.example\.com-fd, Differential, since=2022-09-02 20:00:16, 13,028 files \(172\.7 GB\)$/);
  });

  it('reads a Restore OK report: operation restore, host from Restore Client, expected and restored files', () => {
    const r = parse(fixture('bacula-9.4.2-restore-ok.eml'));
    expect(r).toMatchObject({ job: 'RestoreFiles', host: 'rdc085e07.example.com-fd', operation: 'restore', status: 'ok', errors: [] });
    expect(r.files).toEqual({ examined: 7854, copied: 7854, failed: null });
    expect(r.bytes.copied).toBe(342147491);
    expect(r.endedAt).toEqual(new Date('2020-09-01T17:47:05Z'));
  });

  it('leaves the times null when the mail has no Date header to place them in', () => {
    const r = parse({ ...fixture('bacula-9.6.7-backup-ok-full-upgraded.eml'), date: null });
    expect(r.startedAt).toBeNull();
    expect(r.endedAt).toBeNull();
  });
});

describe('warnings', () => {
  it('reads Backup OK -- with warnings as a warning, listing the log error and the SD error count', () => {
    const r = parse(fixture('bacula-5.2.6-backup-ok-with-warnings.eml'));
    expect(r).toMatchObject({ job: 'HPLTO3_Test', host: 'ubuntu-fd', status: 'warning' });
    expect(r.files.copied).toBe(58512);
    expect(r.bytes.copied).toBe(185931234507);
    expect(r.errors).toEqual([
      '01-Oct 19:13 Tape-sd JobId 49: Error: block.c:275 Volume data error at 0:0! Wanted ID: "BB02", got "". Buffer discarded.',
      'Termination: Backup OK -- with warnings',
      'SD Errors: 1',
    ]);
    expect(r.summary).toBe('Backup OK -- with warnings: HPLTO3_Test on ubuntu-fd, Full, 58,512 files (185.9 GB); SD Errors: 1');
  });

  it('reads Backup OK over non-zero error counts as a warning', () => {
    const r = parse(withText('bacula-9.6.7-backup-ok-full-upgraded.eml', /Non-fatal FD errors: {4}0/, 'Non-fatal FD errors:    3'));
    expect(r.status).toBe('warning');
    expect(r.summary).toMatch(/; Non-fatal FD errors: 3$/);
  });

  it('reads Verify Differences as a warning', () => {
    const r = parse(withText('bacula-9.6.7-backup-ok-full-upgraded.eml', 'Termination:            Backup OK', 'Termination:            Verify Differences'));
    expect(r).toMatchObject({ operation: 'verify', status: 'warning' });
  });
});

describe('failures', () => {
  it('reads a Bareos report whose FD terminated OK but whose Termination says Error as failed', () => {
    const r = parse(fixture('bareos-21.0.0-error-fd-ok-unindented.eml'));
    expect(r).toMatchObject({ job: 'nanto-bk', host: 'nanto-fd', operation: 'backup', status: 'failed' });
    expect(r.files.copied).toBe(9992);
    expect(r.bytes.copied).toBe(372477791);
    expect(r.errors).toEqual(['Termination: *** Backup Error ***', 'Non-fatal FD errors: 1']);
    expect(r.summary).toBe('Backup Error: nanto-bk on nanto-fd, Full (upgraded from Incremental), 9,992 files (372.4 MB); Non-fatal FD errors: 1');
  });

  it('reads a Bacula Enterprise SD error as failed: fatal log lines first (continuations joined), then the report, then warnings', () => {
    const r = parse(fixture('bacula-enterprise-18.0.1-sd-error-fd-ok.eml'));
    expect(r).toMatchObject({ job: 'Linux-Etc-L80-Every4Mins', host: 'ol9-bee-fd', status: 'failed' });
    expect(r.errors).toHaveLength(13);
    expect(r.errors[0]).toMatch(/JobId 25958: Fatal error: Alert: Volume="G03037TA" alert=3: /);
    expect(r.errors[2]).toMatch(/alert=13: .* 1\. Discard the old tape\. 2\. Restart the operation with a different tape\.$/);
    expect(r.errors.slice(4, 7)).toEqual(['Termination: *** Backup Error ***', 'SD termination status: Error', 'SD Errors: 1']);
    expect(r.errors[7]).toMatch(/JobId 25958: Warning: Alert: Volume="G03037TA" alert=1: /);
    expect(r.endedAt).toEqual(new Date('2024-03-08T02:29:44Z'));
    expect(r.summary).toMatch(/^Backup Error: Linux-Etc-L80-Every4Mins on ol9-bee-fd, Full, 987 files \(4\.600 MB\); SD termination status: Error, SD Errors: 1 \(Fatal error: Alert: /);
  });

  it('reads a Bareos fatal error with Chinese month names, naming the first fatal error in the summary', () => {
    const r = parse(fixture('bareos-18.2.5-fatal-error-zh-month-names.eml'));
    expect(r).toMatchObject({ job: 'backup-client2-fd', host: 'client2-fd', status: 'failed' });
    expect(r.files.copied).toBe(0);
    expect(r.bytes.copied).toBe(0);
    // End time: 19-5月-2019 00:23:17, mail sent Sun, 19 May 2019 00:23:18 +0800
    expect(r.endedAt).toEqual(new Date('2019-05-18T16:23:17Z'));
    expect(r.errors.slice(0, 3)).toEqual([
      '19-5月 00:22 client2-fd JobId 5: Error: lib/bsock_tcp.cc:192 BnetHost2IpAddrs() for host "fred-Vostro-2420" failed: ERR=No such host is known.',
      '19-5月 00:22 client2-fd JobId 5: Fatal error: Failed to connect to Storage daemon: fred-Vostro-2420:9103',
      '19-5月 00:22 bareos-dir JobId 5: Fatal error: Bad response to Storage command: wanted 2000 OK storage , got 2902 Bad storage',
    ]);
    expect(r.errors).toContain('FD termination status: Fatal Error');
    expect(r.summary).toMatch(/\(Fatal error: Failed to connect to Storage daemon: fred-Vostro-2420:9103\)$/);
  });

  it('reads a real report cut off inside its Volume name(s) line as failed, keeping what it did say', () => {
    const r = parse(fixture('bacula-9.6.7-cut-off-before-termination.eml'));
    expect(r).toMatchObject({ job: 'redactedredactedre', host: 'redactedredactedredacted', status: 'failed' });
    expect(r.errors).toEqual(['the job report ends before its Termination line']);
    expect(r.files.copied).toBe(1100489);
    expect(r.bytes.copied).toBe(76391379822);
    expect(r.summary).toMatch(/^Backup report cut off before its Termination line \(no result\): redactedredactedre on /);
  });

  it('reads a report cut off right after its heading as failed, naming the job from the Start log line', () => {
    const n = fixture('bacula-9.6.7-backup-ok-full-upgraded.eml');
    const r = parse({ ...n, text: n.text.slice(0, n.text.indexOf('  Job:')) });
    expect(r).toMatchObject({ job: 'rdc10235a', status: 'failed' });
  });

  it.each(['Backup Canceled', '*** Backup Error ***', 'Backup failed -- incomplete', 'Inappropriate term code: R', 'Something new'])('reads Termination: %s as failed', (word) => {
    const r = parse(withText('bacula-9.6.7-backup-ok-full-upgraded.eml', 'Termination:            Backup OK', `Termination:            ${word}`));
    expect(r.status).toBe('failed');
    expect(r.errors[0]).toBe(`Termination: ${word}`);
  });

  it('believes the body over a subject that says OK', () => {
    const n = withText('bacula-9.6.7-backup-ok-full-upgraded.eml', 'Termination:            Backup OK', 'Termination:            *** Backup Error ***');
    expect(n.subject).toBe('Bacula: Backup OK of rdc552836.example.com-fd Full');
    expect(parse(n).status).toBe('failed');
  });

  it('gives null for a subject whose body is not a job report', () => {
    expect(baculaParser.parse(notification({ subject: 'Bacula: Backup OK of client-fd Incremental', text: 'see attachment' }))).toBeNull();
  });
});

describe('other shapes', () => {
  it('reads a report in an HTML body (a relay that rewrote the mail)', () => {
    const n = fixture('bacula-9.4.2-restore-ok.eml');
    const html = `<html><body><pre>${n.text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre></body></html>`;
    expect(parse({ ...n, text: '', html })).toMatchObject({ job: 'RestoreFiles', status: 'ok' });
  });

  it('lists each report of a mail that carries two, and is as bad as the worst', () => {
    const ok = fixture('bacula-9.6.7-backup-ok-full-upgraded.eml').text;
    const failed = fixture('bareos-18.2.5-fatal-error-zh-month-names.eml').text;
    const r = parse({ ...fixture('bacula-9.6.7-backup-ok-full-upgraded.eml'), text: `${ok}\n${failed}` });
    expect(r.status).toBe('failed');
    expect(r.job).toBe('rdc10235a');
    expect(r.objects.map((o) => [o.name, o.status, o.detail, o.bytes])).toEqual([
      ['rdc10235a', 'ok', 'Backup OK', 6728],
      ['backup-client2-fd', 'failed', 'Backup Error', 0],
    ]);
  });

  it.each([
    ['BackupClient1.2023-01-01_23.05.00_03', 'BackupClient1'],
    ['Backup.Home.2024-03-07_19.28.47_35', 'Backup.Home'],
    ['NoSuffix', 'NoSuffix'],
  ])('names the job %s as %s', (value, name) => {
    expect(jobName(value)).toBe(name);
  });

  it.each([
    ['01-Jan-2023 23:05:02', '2023-01-01T23:05:02Z'],
    ['19-5月-2019 00:22:34', '2019-05-19T00:22:34Z'],
    ['21-mai-2025 17:15:54', '2025-05-21T17:15:54Z'],
    ['07-Okt-2022 20:00:15', '2022-10-07T20:00:15Z'],
    ['2023-01-01 23:05:02', '2023-01-01T23:05:02Z'],
  ])('reads the report time %s as the wall-clock time %s', (text, wall) => {
    expect(naiveReportTime(text)).toBe(Date.parse(wall));
  });
});

describe('recognising', () => {
  it('recognises the default subject even when the body is not a report', () => {
    expect(baculaParser.recognises(notification({ subject: 'Bareos: Backup Error of nanto-fd Full', text: 'hello' }))).toBe(true);
  });

  it('recognises a report by its structure whatever the subject', () => {
    expect(baculaParser.recognises({ ...fixture('bacula-9.4.2-restore-ok.eml'), subject: 'backup report' })).toBe(true);
  });

  it('does not recognise a mail that merely mentions a Termination line or a JobId', () => {
    expect(baculaParser.recognises(notification({ subject: 'Backup report', text: 'Termination: Backup OK was what the docs said' }))).toBe(false);
    expect(baculaParser.recognises(notification({ subject: 'Backup report', text: 'JobId: 12\nStatus: done' }))).toBe(false);
  });
});
