import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { naiveLocalTime } from './dates.ts';
import { duplicatiParser } from './parse.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const fixture = (name: string) => fixtures.get(name)!;
const parse = (n: Notification) => duplicatiParser.parse(n)!;

/** A fixture's text body with one line replaced (the variants no real mail was found for). */
function withText(name: string, from: RegExp, to: string): Notification {
  const n = fixture(name);
  expect(n.text).toMatch(from);
  return { ...n, text: n.text.replace(from, to) };
}

/** The JSON of the compact-body fixture, changed, as the body of a mail. */
function jsonMail(change: (j: { Data: Record<string, unknown>; Extra: Record<string, unknown>; [k: string]: unknown }) => void): Notification {
  const n = fixture('json-body-compact-machine-name-2.1.0.5.eml');
  const j = JSON.parse(n.text);
  change(j);
  return { ...n, text: JSON.stringify(j) };
}

describe('the text report', () => {
  it('reads a 2.0.4.5 Success report as ok, with times from the bracketed epochs', () => {
    const r = parse(fixture('text-success-epoch-2.0.4.5.eml'));
    expect(r).toMatchObject({ tool: 'duplicati', job: 'Testing', host: null, operation: 'backup', status: 'ok', errors: [], objects: [] });
    expect(r.startedAt).toEqual(new Date(1550384630 * 1000));
    expect(r.endedAt).toEqual(new Date(1550384631 * 1000));
    expect(r.files).toEqual({ examined: 1, copied: 0, failed: 0 });
    expect(r.bytes).toEqual({ examined: 10, copied: 0, failed: null });
    expect(r.summary).toBe('Backup Success: 1 file (10 B) examined, 0 added, 0 modified, 0 deleted');
  });

  it('reads a run that threw (Failed:/Details:) as failed, the Failed line first, then the log errors, then its warnings', () => {
    const r = parse(fixture('text-fatal-missing-remote-files-2.0.4.5.eml'));
    expect(r.status).toBe('failed');
    expect(r.job).toBe('Testing');
    expect(r.summary).toBe('Backup failed: Found 17 files that are missing from the remote storage, please run repair');
    expect(r.errors).toHaveLength(20);
    expect(r.errors[0]).toBe('Failed: Found 17 files that are missing from the remote storage, please run repair');
    expect(r.errors[1]).toMatch(/\[Error-Duplicati\.Library\.Main\.Operation\.FilelistProcessor-MissingRemoteFiles\]: Found 17 files/);
    expect(r.errors[2]).toMatch(/\[Error-Duplicati\.Library\.Main\.Operation\.BackupHandler-FatalError\]: Fatal error$/);
    expect(r.errors[3]).toMatch(/\[Warning-.*-MissingFile\]: Missing file: duplicati-b56f6850123d049c59b5f2ac278e21412\.dblock\.zip\.aes$/);
    expect(r.files).toEqual({ examined: null, copied: null, failed: null });
  });

  it('reads a base64-encoded mail whose dates have no epoch, placing them in the zone of its Date header', () => {
    const n = fixture('text-success-no-epoch-base64-2018.eml');
    expect(n.text).toMatch(/^DeletedFiles: 0/);
    const r = parse(n);
    expect(r).toMatchObject({ job: 'Media', status: 'ok', errors: [] });
    // EndTime: 8/29/2018 2:16:43 AM, mail sent Wed, 29 Aug 2018 02:16:45 -0400
    expect(r.endedAt).toEqual(new Date('2018-08-29T06:16:43Z'));
    expect(r.startedAt).toEqual(new Date('2018-08-29T06:11:38Z'));
    expect(r.files).toEqual({ examined: 43840, copied: 31, failed: 0 });
    expect(r.bytes).toEqual({ examined: 181673183234, copied: 65020720 + 23960, failed: null });
    expect(r.summary).toBe('Backup Success: 43,840 files (182 GB) examined, 1 added, 30 modified, 0 deleted');
  });

  it('leaves zone-less dates null when the mail has no Date header', () => {
    const r = parse({ ...fixture('text-success-no-epoch-base64-2018.eml'), date: null });
    expect(r.startedAt).toBeNull();
    expect(r.endedAt).toBeNull();
  });

  it('reads ParsedResult: Success with a non-empty Warnings list as a warning, naming the job from a customised subject', () => {
    const r = parse(fixture('text-success-with-warnings-custom-subject-2017.eml'));
    expect(r).toMatchObject({ job: 'backup@nas', status: 'warning', errors: ['This is some warning message!!!'] });
    expect(r.endedAt).toEqual(new Date('2017-11-03T21:40:11Z'));
    expect(r.summary).toBe('Backup Success: 12 files (6.9 MB) examined, 5 added, 0 modified, 0 deleted, 1 warning');
  });

  it('reads German-format dates by their epoch', () => {
    const r = parse(fixture('text-success-de-date-epoch-2.0.5.1.eml'));
    expect(r).toMatchObject({ job: 'TEST', status: 'ok' });
    expect(r.endedAt).toEqual(new Date(1582495496 * 1000));
    expect(r.startedAt).toEqual(new Date(1582494488 * 1000));
    expect(r.files).toEqual({ examined: 196997, copied: 345 + 3193, failed: 0 });
  });

  it('reads ParsedResult: Warning of a 2.0.5.1 report (LimitedMessages, WarningsActualLength) as a warning', () => {
    const r = parse(fixture('text-warning-limited-messages-2.0.5.1.eml'));
    expect(r).toMatchObject({ job: 'Documents', status: 'warning', errors: [] });
    expect(r.endedAt).toEqual(new Date(1589670186 * 1000));
    expect(r.summary).toBe('Backup Warning: 43,678 files (179 GB) examined, 6 added, 29 modified, 0 deleted, 1 warning');
  });

  it.each(['Error', 'Fatal', 'Unknown'])('reads ParsedResult: %s as failed', (word) => {
    const r = parse(withText('text-success-epoch-2.0.4.5.eml', /ParsedResult: Success/, `ParsedResult: ${word}`));
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(new RegExp(`^Backup ${word}:`));
  });

  it('reads a non-empty Errors list under ParsedResult: Success as failed', () => {
    const r = parse(withText('text-success-no-epoch-base64-2018.eml', /Errors: \[\]/, 'Errors: [\r\n    Failed to upload duplicati-b1.dblock.zip\r\n]'));
    expect(r.status).toBe('failed');
    expect(r.errors).toEqual(['Failed to upload duplicati-b1.dblock.zip']);
  });

  it('reads a report cut off before its ParsedResult as failed', () => {
    const n = fixture('text-success-epoch-2.0.4.5.eml');
    const r = parse({ ...n, text: n.text.slice(0, n.text.indexOf('ParsedResult')) });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/no result/);
  });

  it('believes the body over a subject that claims success', () => {
    const n = withText('text-success-with-warnings-custom-subject-2017.eml', /ParsedResult: Success/, 'ParsedResult: Error');
    expect(n.subject).toMatch(/\(Success\)/);
    expect(parse(n).status).toBe('failed');
  });
});

describe('the JSON report', () => {
  it('reads a compact JSON body: job from Extra backup-name, host from Extra machine-name, ISO times', () => {
    const r = parse(fixture('json-body-compact-machine-name-2.1.0.5.eml'));
    expect(r).toMatchObject({ job: 'WSJ-SER5 Local files', host: 'WSJ-SER5', operation: 'backup', status: 'ok', errors: [] });
    expect(r.startedAt).toEqual(new Date('2025-04-21T23:45:46.971Z'));
    expect(r.endedAt).toEqual(new Date('2025-04-21T23:46:38.356Z'));
    expect(r.files).toEqual({ examined: 15399, copied: 1861, failed: 0 });
    expect(r.bytes).toEqual({ examined: 11086692615, copied: 13450481, failed: null });
  });

  it('reads a pretty-printed JSON attachment, with no host when Extra has no machine-name', () => {
    const r = parse(fixture('json-attachment-pretty-2.0.7.1.eml'));
    expect(r).toMatchObject({ job: 'backup2', host: null, status: 'ok' });
    expect(r.endedAt).toEqual(new Date('2023-09-06T15:36:09.198Z'));
    expect(r.files).toEqual({ examined: 0, copied: 0, failed: 0 });
  });

  it('reads ParsedResult Error with an Exception as failed, the exception message first', () => {
    const r = parse(jsonMail((j) => {
      j.Data.ParsedResult = 'Error';
      j.Exception = 'Duplicati.Library.Interface.UserInformationException: Found 17 files that are missing from the remote storage, please run repair\r\n   at Duplicati.Library.Main.Operation.FilelistProcessor.VerifyRemoteList()';
      j.LogLines = ['2019-02-16 23:15:11 -08 - [Error-Duplicati.Library.Main.Operation.BackupHandler-FatalError]: Fatal error'];
    }));
    expect(r.status).toBe('failed');
    expect(r.errors).toEqual([
      'Failed: Found 17 files that are missing from the remote storage, please run repair',
      '2019-02-16 23:15:11 -08 - [Error-Duplicati.Library.Main.Operation.BackupHandler-FatalError]: Fatal error',
    ]);
  });

  it('reads Success with WarningsActualLength > 0 as a warning', () => {
    expect(parse(jsonMail((j) => { j.Data.WarningsActualLength = 2; })).status).toBe('warning');
  });

  it.each(['Fatal', 'Whatever'])('reads ParsedResult %s as failed', (word) => {
    expect(parse(jsonMail((j) => { j.Data.ParsedResult = word; })).status).toBe('failed');
  });

  it('reads a JSON report cut off mid-way as failed, keeping the subject job', () => {
    const n = fixture('json-body-compact-machine-name-2.1.0.5.eml');
    const r = parse({ ...n, text: n.text.slice(0, 400) });
    expect(r).toMatchObject({ job: 'WSJ-SER5 Local files', status: 'failed' });
  });
});

describe('dates in other cultures', () => {
  it.each([
    ['27.07.2018 08:53:51', '2018-07-27T08:53:51Z'],
    ['8/29/2018 2:16:43 AM', '2018-08-29T02:16:43Z'],
    ['5/16/2020 6:03:06 PM (1589670186)', '2020-05-16T18:03:06Z'],
    ['29/08/2018 14:16:43', '2018-08-29T14:16:43Z'],
    ['2018/08/29 14:16:43', '2018-08-29T14:16:43Z'],
  ])('reads %s as the wall-clock time %s', (text, wall) => {
    expect(naiveLocalTime(text)).toBe(Date.parse(wall));
  });

  it('places a de-DE date without epoch in the zone of the Date header', () => {
    const n = withText('text-success-no-epoch-base64-2018.eml', /EndTime: .*/, 'EndTime: 27.07.2018 08:53:51');
    const r = parse({ ...n, date: new Date('Fri, 27 Jul 2018 08:53:53 +0200') });
    expect(r.endedAt).toEqual(new Date('2018-07-27T06:53:51Z'));
  });
});

describe('recognising', () => {
  it('recognises the default subject even when the body is not a report', () => {
    expect(duplicatiParser.recognises(notification({ subject: 'Duplicati Backup report for Photos', text: 'hello' }))).toBe(true);
  });

  it('does not recognise a mail that merely mentions a result word', () => {
    expect(duplicatiParser.recognises(notification({ subject: 'Backup report', text: 'ParsedResult: Success was what the docs said' }))).toBe(false);
    expect(duplicatiParser.parse(notification({ subject: 'Backup report', text: 'ParsedResult: Success' }))).toBeNull();
  });
});
