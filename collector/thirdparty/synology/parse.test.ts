import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { durationMs, naiveLocalTime } from './dates.ts';
import { synologyParser } from './parse.ts';
import { sizeBytes } from './units.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const fixture = (name: string) => fixtures.get(name)!;
const parse = (n: Notification) => synologyParser.parse(n)!;

/** A fixture's text body with some lines replaced (the variants no real mail was found for). */
function withText(name: string, ...edits: [RegExp, string][]): Notification {
  const n = fixture(name);
  let text = n.text;
  for (const [from, to] of edits) {
    expect(text).toMatch(from);
    text = text.replace(from, to);
  }
  return { ...n, text };
}

describe('Hyper Backup (DSM template wording)', () => {
  it('reads a completed task as ok, with its start and Start + Duration placed in the Date header zone', () => {
    const r = parse(fixture('hyperbackup-dsm6-success-en.eml'));
    expect(r).toMatchObject({ tool: 'synology', job: 'Daily', host: 'NAS01', operation: 'backup', status: 'ok', errors: [], objects: [] });
    // Start Time 2016-10-03 02:00:04, Duration 00:14:51, mailed 02:15:02 +0200
    expect(r.startedAt).toEqual(new Date('2016-10-03T00:00:04Z'));
    expect(r.endedAt).toEqual(new Date('2016-10-03T00:14:55Z'));
    expect(r.summary).toBe('Hyper Backup task Daily on NAS01 completed (took 14m 51s, to 192.168.1.20 /NetBackup/NAS01_1.hbk)');
  });

  it('reads "complete with minor exceptions" as a warning, from the text part of a multipart mail with a subject prefix', () => {
    const r = parse(fixture('hyperbackup-dsm6-partial-en-html.eml'));
    expect(r).toMatchObject({ job: 'Office Shares', host: 'NAS01', status: 'warning' });
    expect(r.errors).toEqual(['Your backup task Office Shares is now complete with minor exceptions.']);
    expect(r.endedAt).toEqual(new Date('2016-10-04T22:02:11Z'));
  });

  it('reads the HTML part when the mail has no text part', () => {
    const n = fixture('hyperbackup-dsm6-partial-en-html.eml');
    expect(n.html).toMatch(/<p>/);
    const r = parse({ ...n, text: '' });
    expect(r).toMatchObject({ job: 'Office Shares', host: 'NAS01', status: 'warning' });
    expect(r.startedAt).toEqual(new Date('2016-10-04T21:00:01Z'));
  });

  it('reads a failed task as failed, the verdict sentence as its error', () => {
    const r = parse(fixture('hyperbackup-dsm6-failed-en.eml'));
    expect(r).toMatchObject({ job: 'USB Copy', host: 'NAS01', status: 'failed', errors: ['Data backup on NAS01 has failed.'] });
    expect(r.summary).toBe('Hyper Backup task USB Copy on NAS01 failed: Data backup on NAS01 has failed.');
  });

  it('reads a canceled task as failed', () => {
    const r = parse(fixture('hyperbackup-dsm6-canceled-en.eml'));
    expect(r).toMatchObject({ job: 'Daily', host: 'NAS01', status: 'failed', errors: ['Data backup on NAS01 has been canceled.'] });
  });

  it('reads the German mails: abgeschlossen is ok, mit geringfügigen Ausnahmen is a warning', () => {
    const ok = parse(fixture('hyperbackup-dsm6-success-de.eml'));
    expect(ok).toMatchObject({ job: 'Nachtsicherung', host: 'NAS01', status: 'ok', errors: [] });
    expect(ok.endedAt).toEqual(new Date('2016-10-06T23:05:35Z'));
    const partial = parse(fixture('hyperbackup-dsm6-partial-de.eml'));
    expect(partial).toMatchObject({ job: 'Nachtsicherung', status: 'warning' });
    // December: the Date header is +0100
    expect(partial.startedAt).toEqual(new Date('2016-12-08T00:00:02Z'));
  });

  it('reads a mail cut off before "with minor exceptions." as failed, not ok', () => {
    const n = fixture('hyperbackup-dsm6-partial-en-html.eml');
    const cut = n.text.slice(0, n.text.indexOf(' with minor exceptions'));
    expect(cut).toMatch(/is now complete$/);
    const r = parse({ ...n, text: cut, html: '' });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/no result/);
  });

  it('believes the body over a subject that says successful', () => {
    const n = withText('hyperbackup-dsm6-success-en.eml', [/Your backup task Daily is now complete\./, 'Data backup on NAS01 has failed.']);
    expect(n.subject).toMatch(/successful on NAS01$/);
    expect(parse(n).status).toBe('failed');
  });

  it('leaves the times null without a Date header', () => {
    const r = parse({ ...fixture('hyperbackup-dsm6-success-en.eml'), date: null });
    expect(r.startedAt).toBeNull();
    expect(r.endedAt).toBeNull();
  });

  // Variant built here: the DSM 7 wording described for this parser (no real mail was found).
  it('reads the "Backup task X on NAS has completed." wording with Task name and End time lines', () => {
    const n = withText(
      'hyperbackup-dsm6-success-en.eml',
      [/Your backup task Daily is now complete\./, 'Backup task Daily on NAS01 has completed.'],
      [/Backup Task: Daily/, 'Task name: Daily'],
      [/Duration: .*/, 'End time: 2016-10-03 02:14:58\nDuration: 14 min 54 sec'],
    );
    const r = parse(n);
    expect(r).toMatchObject({ job: 'Daily', host: 'NAS01', status: 'ok' });
    expect(r.endedAt).toEqual(new Date('2016-10-03T00:14:58Z'));
  });

  it('puts a Failure reason line after the verdict in errors', () => {
    const n = withText(
      'hyperbackup-dsm6-failed-en.eml',
      [/Data backup on NAS01 has failed\./, 'Backup task USB Copy on NAS01 has failed.'],
      [/Duration: .*/, 'Duration: 00:00:12\nFailure reason: The backup destination is not available.'],
    );
    expect(parse(n).errors).toEqual(['Backup task USB Copy on NAS01 has failed.', 'The backup destination is not available.']);
  });

  it('reports an integrity check as operation integrity-check', () => {
    const n = withText('hyperbackup-dsm6-success-en.eml', [/Your backup task Daily is now complete\./, 'Backup integrity check of Daily on NAS01 has completed.']);
    expect(parse({ ...n, subject: '[NAS01] Hyper Backup - Daily integrity check' })).toMatchObject({ operation: 'integrity-check', status: 'ok', job: 'Daily' });
  });
});

describe('Active Backup for Business', () => {
  it('reads the Italian completed mail: job and NAS from the sentence, size in binary units, the device as an object', () => {
    const r = parse(fixture('activebackup-completed-it.eml'));
    expect(r).toMatchObject({ job: 'JOB', host: 'NAS', operation: 'backup', status: 'ok', errors: [] });
    expect(r.startedAt).toEqual(new Date('2026-06-17T08:00:00Z'));
    expect(r.endedAt).toEqual(new Date('2026-06-17T08:01:00Z'));
    expect(r.bytes).toEqual({ examined: null, copied: Math.round(522.6 * 1024 ** 2), failed: null });
    expect(r.objects).toEqual([{ name: 'PC1', status: 'ok', detail: null, bytes: Math.round(522.6 * 1024 ** 2), startedAt: r.startedAt, endedAt: r.endedAt }]);
    expect(r.summary).toBe('Active Backup for Business task JOB on NAS completed (took 1m, 522.6 MB transferred)');
  });

  it.each([
    ['non riuscita', 'failed'],
    ['parzialmente completata', 'warning'],
  ])('reads "è stata %s" as %s', (words, status) => {
    const n = withText('activebackup-completed-it.eml', [/è stata completata\./, `è stata ${words}.`]);
    expect(parse(n).status).toBe(status);
  });

  // Variant built here on the Italian mail's structure: Synology's English wording is NOT verified.
  it('reads an English mail with several devices as one object per device, as bad as the task', () => {
    const n = notification({
      subject: '[NAS] Active Backup for Business - Backup task PC-Backup on NAS partially completed',
      text: 'Backup task PC-Backup on NAS has partially completed.\nStart time: 2026-06-17 22:00\nEnd time: 2026-06-17 22:40\nTransferred size: 14.4 GB\nDevice list: PC1, PC2\n',
      date: new Date('2026-06-17T20:40:30Z'),
    });
    const r = parse(n);
    expect(r).toMatchObject({ job: 'PC-Backup', host: 'NAS', status: 'warning' });
    expect(r.objects.map((o) => [o.name, o.status, o.bytes])).toEqual([['PC1', 'warning', null], ['PC2', 'warning', null]]);
    expect(r.endedAt).toEqual(new Date('2026-06-17T20:40:00Z'));
  });
});

describe('recognising', () => {
  it('recognises real Active Backup subjects, but a subject alone is never ok', () => {
    // alco-company/monitorinboxtilkuma tests/test_parser.py (Danish)
    const n = notification({ subject: 'adslthi.alco.dk Active Backup for Business - backupopgave Teksam-Default på ALCOStore er fuldført' });
    expect(synologyParser.recognises(n)).toBe(true);
    expect(parse(n)).toMatchObject({ job: 'Teksam-Default', host: 'ALCOStore', status: 'failed' });
  });

  it('does not recognise a mail that merely says a backup task completed', () => {
    const n = notification({ subject: 'Backup task Daily completed', text: 'Dear user,\n\nYour backup task Daily is now complete.\n' });
    expect(synologyParser.recognises(n)).toBe(false);
    expect(synologyParser.parse(n)).toBeNull();
  });
});

describe('DSM formats', () => {
  it.each([
    ['2016-10-03 02:00:04', '2016-10-03T02:00:04Z'],
    ['2016/10/03 02:00', '2016-10-03T02:00:00Z'],
    ['17/06/2026 10:00', '2026-06-17T10:00:00Z'],
    ['03.10.2016 02:00:04', '2016-10-03T02:00:04Z'],
    ['10/03/2016 2:00:04 PM', '2016-10-03T14:00:04Z'],
    ['Mon, Oct 3 2016 02:00:04', '2016-10-03T02:00:04Z'],
  ])('reads the time %s as the wall clock %s', (text, wall) => {
    expect(naiveLocalTime(text)).toBe(Date.parse(wall));
  });

  it.each([
    ['00:14:51', 891_000],
    ['1 hour(s) 2 minute(s) 3 second(s)', 3_723_000],
    ['2 Std. 5 Min.', 7_500_000],
    ['soon', null],
  ])('reads the duration %s', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each([
    ['522.6 MB', Math.round(522.6 * 1024 ** 2)],
    ['14,4 GB', Math.round(14.4 * 1024 ** 3)],
    ['512KB', 512 * 1024],
    ['n/a', null],
  ])('reads the size %s', (text, bytes) => {
    expect(sizeBytes(text)).toBe(bytes);
  });
});
