import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { localTimeNearMail, versionIdentifierTime } from './dates.ts';
import { windowsServerBackupParser } from './parse.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const fixture = (name: string) => fixtures.get(name)!;
const parse = (n: Notification) => windowsServerBackupParser.parse(n)!;

/** A fixture's body with one part replaced (the variants no real mail was found for). */
function withText(name: string, from: RegExp | string, to: string): Notification {
  const n = fixture(name);
  expect(n.text).toMatch(from);
  return { ...n, text: n.text.replace(from, to) };
}

/** Windows' own message of an event (libyal/winevt-kb, blbevents.dll 6.1+), in the event-5 fixture's Event Viewer layout. */
function eventMail(id: number, message: string, extra: Partial<Notification> = {}): Notification {
  const n = withText('event-5-failed-remote-share-0x8078015B.eml', /Event ID: 5\r?\n/, `Event ID: ${id}\r\n`);
  return { ...n, text: n.text.replace(/Description:\r?\n[\s\S]*$/, `Description:\r\n${message}\r\n`), ...extra };
}

describe('wbadmin start backup output', () => {
  it('reads a completed run to a network share as ok, one object per volume of the summary', () => {
    const r = parse(fixture('wbadmin-start-backup-unc-success-2020.eml'));
    expect(r).toMatchObject({ tool: 'windows-server-backup', job: 'Windows Server Backup', host: null, operation: 'backup', status: 'ok', errors: [] });
    expect(r.objects).toEqual([{ name: '(C:)', status: 'ok', detail: null, bytes: null, startedAt: null, endedAt: null }]);
    expect(r.summary).toBe('Backup completed successfully: 1 of 1 backed up ((C:))');
    // The console output carries no zone-safe time: the collector uses the Date header.
    expect([r.startedAt, r.endedAt]).toEqual([null, null]);
  });

  it('reads each volume of a multi-volume image backup, and one failed volume fails the run', () => {
    const n = withText('wbadmin-start-backup-unc-success-2020.eml', 'The backup of volume (C:) completed successfully.', 'The backup of volume (EFI System Partition) (99.00 MB) completed successfully.\r\nThe backup of volume System(C:) failed.');
    const r = parse({ ...n, text: n.text.replace('Creating a backup of volume (C:), copied (100%).', 'Creating a backup of volume System(C:), copied (100%).') });
    expect(r.objects.map((o) => [o.name, o.status])).toEqual([['System(C:)', 'failed'], ['(EFI System Partition) (99.00 MB)', 'ok']]);
    expect(r.status).toBe('failed');
    expect(r.summary).toBe('Backup failed: The backup of volume System(C:) failed.');
  });

  it('reads "stopped before completing" and its detailed error as failed, the stop line first', () => {
    const n = withText('wbadmin-start-backup-unc-success-2020.eml', /The backup operation successfully completed\.\r?\nThe backup of volume \(C:\) completed successfully\./, 'The backup operation stopped before completing.\r\nDetailed error: There is not enough space on the disk.');
    const r = parse(n);
    expect(r.status).toBe('failed');
    expect(r.errors).toEqual(['The backup operation stopped before completing.', 'Detailed error: There is not enough space on the disk.']);
    // (C:) was being copied ("copied (100%)") but never reported done.
    expect(r.objects).toMatchObject([{ name: '(C:)', status: 'failed' }]);
  });

  it('reads output cut off before the summary as failed: a volume in progress is not a backup', () => {
    const n = fixture('wbadmin-start-backup-unc-success-2020.eml');
    const r = parse({ ...n, text: n.text.slice(0, n.text.indexOf('Summary of the backup operation')) });
    expect(r.status).toBe('failed');
    expect(r.summary).toBe('Backup: no result in the mail (output cut off, or only a start/completed event)');
    expect(r.errors[0]).toMatch(/^no result/);
  });

  it('reads the output from a UTF-16 attachment, as PowerShell Out-File writes it', () => {
    const n = fixture('wbadmin-start-backup-unc-success-2020.eml');
    const content = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(n.text, 'utf16le')]);
    const r = parse({ ...n, text: 'Backup log attached.', attachments: [{ filename: 'BackupLog.txt', contentType: 'application/octet-stream', content }] });
    expect(r).toMatchObject({ status: 'ok', objects: [{ name: '(C:)', status: 'ok' }] });
  });
});

describe('wbadmin start systemstatebackup output', () => {
  it('reads the tail of a system state backup as ok, with the system state as its object', () => {
    const r = parse(fixture('wbadmin-systemstatebackup-tail-success-2026.eml'));
    expect(r).toMatchObject({ operation: 'system-state-backup', status: 'ok', errors: [] });
    expect(r.objects).toMatchObject([{ name: 'system state', status: 'ok' }]);
    expect(r.summary).toBe('System state backup completed successfully: 1 of 1 backed up (system state)');
  });

  it('reads the Windows Server 2008 "Backup of system state failed" summary as failed, with the reason after the error log', () => {
    const r = parse(fixture('wbadmin-systemstatebackup-failed-enumeration-2008.eml'));
    expect(r).toMatchObject({ operation: 'system-state-backup', status: 'failed' });
    expect(r.errors).toEqual(['Backup of system state failed [<date> <time>]', 'Enumeration of the files failed.', 'The file name, directory name, or volume label syntax is incorrect.']);
    expect(r.objects).toMatchObject([{ name: 'system state', status: 'failed' }]);
  });

  it('reads a lone "ERROR - " line as failed, the operation named by the subject', () => {
    const r = parse(fixture('wbadmin-systemstatebackup-error-invalid-location-2008r2.eml'));
    expect(r).toMatchObject({ operation: 'system-state-backup', status: 'failed', objects: [] });
    expect(r.summary).toBe('System state backup failed: The backup storage location is invalid. You cannot use a volume that is included in the backup as a storage location.');
  });
});

describe('wbadmin get versions', () => {
  it('reads a listing as ok with the newest version identifier (UTC) as the end time', () => {
    const r = parse(fixture('wbadmin-get-versions-system-state-2026.eml'));
    expect(r).toMatchObject({ operation: 'list-versions', status: 'ok', objects: [], errors: [] });
    // Backup time: 6/30/2026 12:26 PM on a UTC-7 machine = Version identifier: 06/30/2026-19:26.
    expect(r.endedAt).toEqual(new Date('2026-06-30T19:26:00Z'));
    expect(r.summary).toBe('Backup versions: 1 backup version listed, newest 2026-06-30 19:26 UTC on Fixed Disk labeled F:');
  });

  it('reads "Backup location:" (network share) like "Backup target:", and takes the newest of several versions', () => {
    const n = withText('wbadmin-get-versions-network-share-2020.eml', /Can recover: Volume\(s\), File\(s\)/, 'Can recover: Volume(s), File(s)\r\n\r\nBackup time: 10/5/2020 3:27 PM\r\nBackup location: Network Share labeled \\\\10.10.10.192\\C$\\Windows\\Temp\\CFX\\\r\nVersion identifier: 10/05/2020-22:27\r\nCan recover: Volume(s), File(s)');
    expect(parse(fixture('wbadmin-get-versions-network-share-2020.eml')).endedAt).toEqual(new Date('2020-10-04T17:48:00Z'));
    const r = parse(n);
    expect(r.endedAt).toEqual(new Date('2020-10-05T22:27:00Z'));
    expect(r.summary).toMatch(/^Backup versions: 2 backup versions listed, newest 2020-10-05 22:27 UTC on Network Share labeled /);
  });

  it('reads a listing that found no backup as failed', () => {
    const n = withText('wbadmin-get-versions-network-share-2020.eml', /Backup time:[\s\S]*$/, 'ERROR - No backup was found.\r\n');
    expect(parse(n)).toMatchObject({ status: 'failed', endedAt: null });
  });
});

describe('Microsoft-Windows-Backup events', () => {
  it('reads event 5 (failed with error code) as failed, ignoring the placeholder computer name', () => {
    const r = parse(fixture('event-5-failed-remote-share-0x8078015B.eml'));
    expect(r).toMatchObject({ operation: 'backup', status: 'failed', host: null, objects: [] });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^The backup operation that started at '<Time>' has failed with following error code '0x8078015B'/);
    expect(r.summary).toBe("Backup failed: The backup operation that started at '<Time>' has failed with following error code '0x8078015B' (Windows Backup encountered an error when accessing the remote shared folder. Please retry the operation after making sure that the remote shared folder is available and accessible.).");
  });

  it('reads event 547 (encountered errors for a volume) as a warning, the start time despite its direction marks', () => {
    const r = parse(fixture('event-547-encountered-errors-volume-f-2012.eml'));
    expect(r.status).toBe('warning');
    expect(r.startedAt).toEqual(new Date('2012-03-31T07:00:05.748Z'));
    expect(r.objects).toMatchObject([{ name: 'F:', status: 'warning' }]);
    expect(r.summary).toMatch(/^Backup completed with errors: The backup operation that started at .* has encountered errors for the volume\(s\)'F:'/);
  });

  it('reads event 4 as ok, with host and end time from the event record', () => {
    const n = eventMail(4, 'The backup operation has finished successfully.');
    const r = parse({ ...n, text: n.text.replace('Computer: <Servername>', 'Computer: FS01.corp.example').replace('Date: <Date> <Time>', 'Date: 3/2/2020 11:13:52 PM') });
    expect(r).toMatchObject({ status: 'ok', host: 'FS01.corp.example', errors: [] });
    // Mail sent Mon, 02 Mar 2020 23:14:09 +0100: the event's local time is read in that zone.
    expect(r.endedAt).toEqual(new Date('2020-03-02T22:13:52Z'));
    expect(r.summary).toBe('Backup completed successfully: The backup operation has finished successfully.');
  });

  it('reads event 14 alone ("has completed") as failed: only event 4 says it worked', () => {
    const r = parse(eventMail(14, 'The backup operation has completed.'));
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/no result/);
  });

  it.each([
    [8, 'The backup operation was canceled.'],
    [19, "The backup operation attempted at '\u200e2023\u200e-\u200e01\u200e-\u200e01T22:00:00.000000000Z' has failed to start, error code '2155348061'. Please review the event details for a solution, and then rerun the backup operation once the issue is resolved."],
    [49, 'The backup operation has failed because no backup storage location could be found. Please confirm that the backup storage location is attached and online, and then rerun the backup operation.'],
    [521, "The backup operation that started at '\u200e2023\u200e-\u200e01\u200e-\u200e01T22:00:00.000000000Z' has failed because the Volume Shadow Copy Service operation to create a shadow copy of the volumes being backed up failed with following error code '2155348129'. Please review the event details for a solution, and then rerun the backup operation once the issue is resolved."],
  ])('reads event %i as failed', (id, message) => {
    expect(parse(eventMail(id, message)).status).toBe('failed');
  });

  it('reads a failure event as failed even when a success event of another run is in the same mail', () => {
    const n = eventMail(5, "The backup operation that started at '2023-01-01T22:00:00.000000000Z' has failed with following error code '0x8078006B'.");
    const r = parse({ ...n, text: `${n.text}\r\nEvent ID: 4\r\nDescription:\r\nThe backup operation has finished successfully.\r\n` });
    expect(r.status).toBe('failed');
    expect(r.startedAt).toEqual(new Date('2023-01-01T22:00:00Z'));
  });

  it('reads Get-WinEvent | Format-List output and ignores other providers in it', () => {
    const text = [
      'TimeCreated  : 1/1/2023 11:04:10 PM',
      'ProviderName : Microsoft-Windows-SMBClient',
      'Id           : 30809',
      'Message      : A request timed out because there was no response from the server.',
      '',
      'TimeCreated  : 1/1/2023 11:05:00 PM',
      'ProviderName : Microsoft-Windows-Backup',
      'Id           : 4',
      'MachineName  : DC01.corp.example',
      'Message      : The backup operation has finished successfully.',
    ].join('\r\n');
    const r = parse(notification({ subject: 'Backup report', text, date: new Date('2023-01-01T23:06:00Z') }));
    expect(r).toMatchObject({ status: 'ok', host: 'DC01.corp.example' });
    expect(r.endedAt).toEqual(new Date('2023-01-01T23:05:00Z'));
  });

  it('reads the event id of a localised Format-List record, whose message it cannot read', () => {
    const text = 'TimeCreated  : 02.01.2023 23:05:00\r\nProviderName : Microsoft-Windows-Backup\r\nId           : 4\r\nMessage      : Der Sicherungsvorgang wurde erfolgreich abgeschlossen.';
    expect(parse(notification({ text })).status).toBe('ok');
  });

  it('reads an event id without a message by the id', () => {
    const r = parse(notification({ text: 'Source: Microsoft-Windows-Backup\r\nEvent ID: 517\r\nLevel: Error\r\n' }));
    expect(r.status).toBe('failed');
  });
});

describe('the subject and the body', () => {
  it('takes the job from a subject that names it, else calls it Windows Server Backup', () => {
    const n = fixture('wbadmin-start-backup-unc-success-2020.eml');
    expect(parse({ ...n, subject: 'Backup job: Nightly DC01 image' }).job).toBe('Nightly DC01 image');
    expect(parse(n).job).toBe('Windows Server Backup');
  });

  it('believes the body over a subject that claims success', () => {
    const n = fixture('event-5-failed-remote-share-0x8078015B.eml');
    expect(parse({ ...n, subject: 'Windows Server Backup: SUCCESS' }).status).toBe('failed');
  });

  it('reads a mail whose subject is ours but whose body says nothing as failed', () => {
    expect(parse(notification({ subject: 'wbadmin start backup: DC01', text: 'see attachment' })).status).toBe('failed');
  });
});

describe('recognising', () => {
  it('recognises by the wbadmin banner, the provider name, the log path, or the subject', () => {
    expect(windowsServerBackupParser.recognises(notification({ text: 'wbadmin 1.0 - Backup command-line tool' }))).toBe(true);
    expect(windowsServerBackupParser.recognises(notification({ text: 'Source: Microsoft-Windows-Backup' }))).toBe(true);
    expect(windowsServerBackupParser.recognises(notification({ subject: 'Windows Server Backup failed on FS01' }))).toBe(true);
  });

  it('does not recognise other tools\' mails that merely say a backup operation completed', () => {
    for (const text of ['The backup operation completed successfully.', 'Backup finished successfully', 'ERROR - could not connect', 'The backup operation has completed.']) {
      expect(windowsServerBackupParser.recognises(notification({ subject: 'Backup report', text })), text).toBe(false);
      expect(windowsServerBackupParser.parse(notification({ subject: 'Backup report', text }))).toBeNull();
    }
  });
});

describe('times', () => {
  it('reads version identifiers as UTC and rejects malformed ones', () => {
    expect(versionIdentifierTime('10/04/2020-17:48')).toEqual(new Date('2020-10-04T17:48:00Z'));
    expect(versionIdentifierTime('13/04/2020-17:48')).toBeNull();
  });

  it('places a local event time in the zone of the mail that followed it', () => {
    expect(localTimeNearMail('1/1/2023 11:05:00 PM', new Date('2023-01-01T22:07:00Z'))).toEqual(new Date('2023-01-01T22:05:00Z'));
    expect(localTimeNearMail('1/1/2023 11:05:00 PM', null)).toBeNull();
  });
});
