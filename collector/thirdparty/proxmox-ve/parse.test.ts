import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { naiveLogTime } from './dates.ts';
import { proxmoxVeParser } from './parse.ts';
import { parseBytes } from './units.ts';

const here = dirname(fileURLToPath(import.meta.url));
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const fixture = (name: string) => fixtures.get(name)!;
const parse = (n: Notification) => proxmoxVeParser.parse(n)!;

const FILE = '/var/lib/vz/dump/vzdump-lxc-187-2025_05_23-11_59_21.tar.zst';
const OK_ROW = `187     smtp-sink    ok        11s     430.758 MiB    ${FILE}    `;
const FINISHED = '187: 2025-05-23 11:59:32 INFO: Finished Backup of VM 187 (00:00:11)';
// The error lines of a real failed PVE 9.1.7 backup (nbuchwitz/check_pve#85), VMID 111 -> 187.
const FAILED_LOG = [
  "187: 2025-05-23 11:59:32 ERROR: VM 187 qmp command 'backup' failed - got timeout",
  '187: 2025-05-23 11:59:32 INFO: aborting backup job',
  "187: 2025-05-23 11:59:32 ERROR: Backup of VM 187 failed - VM 187 qmp command 'backup' failed - got timeout",
  '187: 2025-05-23 11:59:32 INFO: Failed at 2025-05-23 11:59:32',
].join('\n');

/** A fixture's text part (its HTML part dropped) with some lines replaced: the variants no real mail was found for. */
function withText(name: string, ...edits: [string | RegExp, string][]): Notification {
  const n = fixture(name);
  let text = n.text;
  for (const [from, to] of edits) {
    expect(text).toMatch(from);
    text = text.replace(from, to);
  }
  return { ...n, text, html: '' };
}

/** The real mail with guest 187 failed as PVE 9 renders a failure: `err`, `0 B`, filename `null`. */
function failedMail(subject = 'vzdump backup status (host.example.com): backup failed'): Notification {
  return {
    ...withText('pve8-success-lxc-text-only.eml',
      [OK_ROW, '187     smtp-sink    err       11s     0 B     null    '],
      ['Total size: 430.758 MiB', 'Total size: 0 B'],
      [FINISHED, FAILED_LOG]),
    subject,
  };
}

describe('the notification-system mail (PVE 8.1+)', () => {
  it('reads a successful job as ok, one object per guest, host from the subject, times from the log in the Date zone', () => {
    const r = parse(fixture('pve8-success-lxc-text-and-html.eml'));
    expect(r).toMatchObject({ tool: 'proxmox-ve', job: 'vzdump', host: 'host.example.com', operation: 'backup', status: 'ok', errors: [] });
    // Log times are the node's local time; the mail was sent at 11:59:32 +0200.
    expect(r.startedAt).toEqual(new Date('2025-05-23T09:59:21Z'));
    expect(r.endedAt).toEqual(new Date('2025-05-23T09:59:32Z'));
    expect(r.files).toEqual({ examined: null, copied: null, failed: null });
    expect(r.bytes).toEqual({ examined: null, copied: Math.round(430.758 * 1024 ** 2), failed: null });
    expect(r.objects).toEqual([{
      name: '187 smtp-sink', status: 'ok', detail: `${FILE}, 11s, 430.758 MiB`, bytes: Math.round(430.758 * 1024 ** 2),
      startedAt: new Date('2025-05-23T09:59:21Z'), endedAt: new Date('2025-05-23T09:59:32Z'),
    }]);
    expect(r.summary).toBe('Backup successful: 1 guest ok (430.758 MiB in 11s)');
  });

  it('reads the same report from the text part alone and from the HTML part alone', () => {
    const both = parse(fixture('pve8-success-lxc-text-and-html.eml'));
    expect(parse(fixture('pve8-success-lxc-text-only.eml'))).toEqual(both);
    expect(parse(fixture('pve8-success-lxc-html-only.eml'))).toEqual(both);
  });

  it('reads a forwarded copy without a Date header, leaving the zone-less log times null', () => {
    const r = parse(fixture('pve8-success-forwarded-no-date.eml'));
    expect(r).toMatchObject({ status: 'ok', host: 'host.example.com', summary: 'Backup successful: 1 guest ok (430.758 MiB in 11s)' });
    expect(r.startedAt).toBeNull();
    expect(r.objects[0]!.endedAt).toBeNull();
  });

  it('reads a guest with status err as failed, naming its error line', () => {
    const r = parse(failedMail());
    expect(r.status).toBe('failed');
    expect(r.objects).toMatchObject([{ name: '187 smtp-sink', status: 'failed', bytes: null, detail: "Backup of VM 187 failed - VM 187 qmp command 'backup' failed - got timeout" }]);
    expect(r.errors).toEqual(FAILED_LOG.split('\n').filter((l) => l.includes('ERROR')));
    expect(r.summary).toBe("Backup failed: 1 of 1 guest failed (187 smtp-sink: Backup of VM 187 failed - VM 187 qmp command 'backup' failed - got timeout)");
    expect(r.endedAt).toEqual(new Date('2025-05-23T09:59:32Z'));
  });

  it('believes the table over a subject that claims success', () => {
    expect(parse(failedMail('vzdump backup status (host.example.com): backup successful')).status).toBe('failed');
  });

  it('reads a failed guest from the HTML part alone', () => {
    const n = fixture('pve8-success-lxc-html-only.eml');
    const html = n.html
      .replace('collapse;">ok</th>', 'collapse;">err</th>')
      .replace(`collapse;">430.758 MiB</th>`, 'collapse;">0 B</th>')
      .replace(`collapse;">${FILE}</th>`, 'collapse;">null</th>')
      .replace(FINISHED, FAILED_LOG.replaceAll("'", '&#x27;'));
    expect(html).not.toBe(n.html);
    const r = parse({ ...n, html });
    expect(r.status).toBe('failed');
    expect(r.objects[0]).toMatchObject({ status: 'failed', detail: "Backup of VM 187 failed - VM 187 qmp command 'backup' failed - got timeout" });
  });

  it('is as bad as its worst guest when one of two failed', () => {
    const second = '188     web01        err       2s      0 B            null    ';
    const n = withText('pve8-success-lxc-text-only.eml', [OK_ROW, `${OK_ROW}\n${second}`],
      [FINISHED, `${FINISHED}\n\n188: 2025-05-23 11:59:32 ERROR: Backup of VM 188 failed - unable to open file - Permission denied`]);
    const r = parse(n);
    expect(r.status).toBe('failed');
    expect(r.objects.map((o) => [o.name, o.status])).toEqual([['187 smtp-sink', 'ok'], ['188 web01', 'failed']]);
    expect(r.summary).toBe('Backup failed: 1 of 2 guests failed (188 web01: Backup of VM 188 failed - unable to open file - Permission denied)');
  });

  it('reads a guest listed ok whose log warned as a warning, with the warning in errors', () => {
    const warn = '187: 2025-05-23 11:59:32 WARN: unable to add notes - permission denied';
    const r = parse(withText('pve8-success-lxc-text-only.eml', [FINISHED, `${warn}\n${FINISHED}`]));
    expect(r.status).toBe('warning');
    expect(r.objects[0]).toMatchObject({ status: 'warning', detail: `unable to add notes - permission denied; ${FILE}, 11s, 430.758 MiB` });
    expect(r.errors).toEqual([warn]);
    expect(r.summary).toBe('Backup successful with warnings: 1 of 1 guest warned (187 smtp-sink: unable to add notes - permission denied)');
  });

  it('reads a job-level error printed before the table as failed even when every guest is ok', () => {
    const r = parse(withText('pve8-success-lxc-text-only.eml', [/^\nDetails/, "job-end hook failed: exit code 1\nunable to prune backups\nDetails"]));
    expect(r.status).toBe('failed');
    expect(r.errors.slice(0, 2)).toEqual(['job-end hook failed: exit code 1', 'unable to prune backups']);
    expect(r.summary).toBe('Backup failed: job-end hook failed: exit code 1');
  });

  it('reads a setup failure that only the subject names, over an empty table', () => {
    const n = withText('pve8-success-lxc-text-only.eml', [`${OK_ROW}\n`, ''], ['Total running time: 11s', 'Total running time: 0s'], ['Total size: 430.758 MiB', 'Total size: 0 B']);
    const r = parse({ ...n, subject: "vzdump backup status (host.example.com): backup failed: could not activate storage 'pbs': pbs: error fetching datastores - 500 Can't connect to 10.0.0.5:8007" });
    expect(r).toMatchObject({ status: 'failed', objects: [] });
    expect(r.summary).toBe("Backup failed: could not activate storage 'pbs': pbs: error fetching datastores - 500 Can't connect to 10.0.0.5:8007");
  });

  it('still reads the table when the logs over 1 MiB were replaced by the notice', () => {
    const n = fixture('pve8-success-lxc-text-only.eml');
    const text = n.text.slice(0, n.text.indexOf('Logs\n====')) + 'Logs\n====\nLog output was too long to be sent. See Task History for details!\n';
    const r = parse({ ...n, text });
    expect(r).toMatchObject({ status: 'ok', startedAt: null, endedAt: null });
    expect(r.objects).toMatchObject([{ name: '187 smtp-sink', status: 'ok', bytes: Math.round(430.758 * 1024 ** 2) }]);
  });

  it('reads a mail cut off inside its table as failed', () => {
    const n = fixture('pve8-success-lxc-text-only.eml');
    const r = parse({ ...n, text: n.text.slice(0, n.text.indexOf('187     smtp-sink') + 20) });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/cut off/);
  });

  it('reads a subject without a body as failed', () => {
    const r = parse({ ...fixture('pve8-success-lxc-text-and-html.eml'), text: '', html: '' });
    expect(r).toMatchObject({ status: 'failed', host: 'host.example.com' });
  });
});

/** printf-style padding, as the legacy sendmail() writes its table. */
const left = (s: string, n: number) => s.padEnd(n);
const right = (s: string, n: number) => s.padStart(n);
const legacyRow = (vmid: string, name: string, state: string, time: string, size: string, file: string) =>
  `${left(vmid, 10)} ${left(name, 20)} ${left(state, 6)} ${right(time, 10)} ${right(size, 10)}  ${file}`;

/** The fixture's values in the legacy layout (PVE.VZDump sendmail, up to 8.0), with a failed second guest. */
function legacyMail(logs = true): Notification {
  const n = fixture('pve8-success-lxc-text-and-html.eml');
  const log = n.text.slice(n.text.indexOf('187: 2025-05-23 11:59:21'), n.text.indexOf(FINISHED) + FINISHED.length);
  const fail = '188: 2025-05-23 11:59:32 ERROR: Backup of VM 188 failed - unable to open file - Permission denied';
  const text = [
    legacyRow('VMID', 'NAME', 'STATUS', 'TIME', 'SIZE', 'FILENAME'),
    legacyRow('187', 'smtp-sink', 'ok', '00:00:11', '430MB', FILE),
    legacyRow('188', 'VM 188', 'err', '00:00:00', '    0.00MB', '-'),
    ...(logs ? ['', 'Detailed backup logs:', '', 'vzdump 187 188 --storage local --mode snapshot --mailto root', '', log, '', fail, ''] : ['Log output was too long to be sent by mail. See Task History for details!']),
  ].join('\n');
  const html = '<html><body>\n<table border=1 cellpadding=3>\n<tr><td>VMID<td>NAME<td>STATUS<td>TIME<td>SIZE<td>FILENAME</tr>\n'
    + `<tr><td>187<td>smtp-sink<td>OK<td>00:00:11<td align=right>430MB<td>${FILE}</tr>\n`
    + '<tr><td>188<td>VM 188<td><font color=red>FAILED<td>00:00:00<td colspan=2>unable to open file - Permission denied</tr>\n'
    + '<tr><td align=left colspan=3>TOTAL<td>00:00:11<td>430MB<td></tr>\n</table><br><br>\n</body></html>\n';
  return { ...n, subject: 'vzdump backup status (host.example.com) : backup failed', text, html };
}

describe('the legacy mail (up to PVE 8.0)', () => {
  it('reads the text table and the logs, with the space before the colon in the subject', () => {
    const r = parse(legacyMail());
    expect(r).toMatchObject({ host: 'host.example.com', status: 'failed' });
    expect(r.objects).toMatchObject([
      { name: '187 smtp-sink', status: 'ok', bytes: 430 * 1024 ** 2, startedAt: new Date('2025-05-23T09:59:21Z') },
      { name: '188 VM 188', status: 'failed', bytes: null, detail: 'Backup of VM 188 failed - unable to open file - Permission denied' },
    ]);
    expect(r.summary).toBe('Backup failed: 1 of 2 guests failed (188 VM 188: Backup of VM 188 failed - unable to open file - Permission denied)');
  });

  it('reads the HTML part alone: OK / FAILED, the error in place of the size, the TOTAL row', () => {
    const r = parse({ ...legacyMail(), text: '' });
    expect(r.status).toBe('failed');
    expect(r.objects).toMatchObject([
      { name: '187 smtp-sink', status: 'ok', bytes: 430 * 1024 ** 2 },
      { name: '188 VM 188', status: 'failed', detail: 'unable to open file - Permission denied' },
    ]);
    expect(r.bytes.copied).toBe(430 * 1024 ** 2);
    expect(r.errors).toEqual(['188 VM 188: unable to open file - Permission denied']);
  });

  it('reads the table when the too-long notice follows it directly', () => {
    const r = parse(legacyMail(false));
    expect(r.objects.map((o) => o.status)).toEqual(['ok', 'failed']);
    expect(r.objects[1]!.detail).toBe('status err');
  });

  it('reads a text table without the NAME column (before PVE 6.3), a guest never reached as failed', () => {
    const row = (vmid: string, state: string, time: string, size: string, file: string) => `${left(vmid, 10)} ${left(state, 6)} ${right(time, 10)} ${right(size, 10)}  ${file}`;
    const text = [row('VMID', 'STATUS', 'TIME', 'SIZE', 'FILENAME'), row('187', 'ok', '00:00:11', '430MB', FILE), row('188', 'todo', '00:00:00', '    0.00MB', '-'), '', 'Detailed backup logs:', ''].join('\n');
    const r = parse({ ...legacyMail(), text, html: '' });
    expect(r.objects).toMatchObject([{ name: '187', status: 'ok' }, { name: '188', status: 'failed', detail: 'aborted: the job ended before this guest' }]);
  });
});

describe('recognising', () => {
  it('recognises the subject of either layout and the guest table without it', () => {
    const r = (n: Partial<Notification>) => proxmoxVeParser.recognises(notification(n));
    expect(r({ subject: 'vzdump backup status (pve1.example.com) : backup successful' })).toBe(true);
    expect(r({ subject: 'Fwd: something', text: fixture('pve8-success-lxc-text-only.eml').text })).toBe(true);
    expect(r({ subject: 'Fwd: something', html: fixture('pve8-success-lxc-html-only.eml').html })).toBe(true);
    expect(r({ text: 'INFO: starting new backup job: vzdump 103 --mode snapshot' })).toBe(true);
  });

  it('does not recognise Proxmox Backup Server job mails or a mail that only mentions vzdump', () => {
    const r = (n: Partial<Notification>) => proxmoxVeParser.recognises(notification(n));
    expect(r({ subject: "Verify Datastore 'store1' successful", text: 'Job ID: v-1234\nDatastore: store1\nVerification successful.' })).toBe(false);
    expect(r({ subject: 'Backup report', text: 'we run vzdump every night; VMID 100 is fine' })).toBe(false);
    expect(proxmoxVeParser.parse(notification({ subject: 'Backup report', text: 'vzdump ran' }))).toBeNull();
  });
});

describe('sizes and times', () => {
  it.each([
    ['430.758 MiB', Math.round(430.758 * 1024 ** 2)], ['0 B', 0], ['1.20GB', Math.round(1.2 * 1024 ** 3)], ['512MB', 512 * 1024 ** 2],
    ['16,5 GB', Math.round(16.5 * 1024 ** 3)], ['2.5 TiB', Math.round(2.5 * 1024 ** 4)], ['null', null], ['0.00MB', 0],
  ])('reads %s as %s bytes', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it('reads the old syslog-style log time in the year of the mail', () => {
    expect(naiveLogTime('Jul 12 12:00:01', new Date('2017-07-12T10:30:00Z'))).toBe(Date.UTC(2017, 6, 12, 12, 0, 1));
    expect(naiveLogTime('Dec 31 23:59:00', new Date('2018-01-01T01:00:00Z'))).toBe(Date.UTC(2017, 11, 31, 23, 59, 0));
    expect(naiveLogTime('Jul 12 12:00:01', null)).toBeNull();
  });
});
