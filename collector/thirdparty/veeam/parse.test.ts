import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures, notification } from '../testing.ts';
import type { Notification } from '../types.ts';
import { dayOf, timeOfDay } from './dates.ts';
import { veeamParser } from './parse.ts';
import { bytesOf } from './values.ts';

const here = dirname(fileURLToPath(import.meta.url));
const REAL = 'br-vcloud-vapp-retry3-error-nl-2020.eml';
let fixtures: Map<string, Notification>;
beforeAll(async () => {
  fixtures = await loadFixtures(here);
});
const real = () => fixtures.get(REAL)!;
const parse = (n: Notification) => veeamParser.parse(n)!;

/** The real mail with its HTML changed (the variants no real mail was found for); each edit must apply. */
function edited(...edits: [RegExp, string][]): Notification {
  let html = real().html;
  for (const [from, to] of edits) {
    expect(html).toMatch(from);
    html = html.replace(from, to);
  }
  return { ...real(), html };
}
const rowStatus = (vm: string, status: string): [RegExp, string] => [new RegExp(`(>${vm.replace(/[()]/g, '\\$&')}</td>\\s*<td nowrap="nowrap">\\s*<span>)\\w+(</span>)`), `$1${status}$2`];
const header = (result: string): [RegExp, string] => [/<td>Error\n/, `<td>${result}\n`];
const counts = (success: number, warning: number, error: number): [RegExp, string][] => [
  [/(<b>Success<\/b>\s*<\/td>\s*<td nowrap="nowrap">)0/, `$1${success}`],
  [/(<b>Warning<\/b>\s*<\/td>\s*<td>)0/, `$1${warning}`],
  [/(<b>Error<\/b>\s*<\/td>\s*<td>)4/, `$1${error}`],
];
const allSuccess = (): [RegExp, string][] => ['(vApp) Servers', 'BITDC01', '(vApp) Firewall', 'Firewall'].map((vm) => rowStatus(vm, 'Success'));

describe('a real Backup & Replication mail (vCloud job, retry 3, Dutch culture)', () => {
  it('reads the job without its (Retry 3), the operation, and no host (B&R mails name no server)', () => {
    const r = parse(real());
    expect(r).toMatchObject({ tool: 'veeam', job: 'Bjork IAAS server', host: null, operation: 'backup', status: 'failed' });
    expect(r.summary).toBe('Veeam backup job "Bjork IAAS server" (retry 3) failed: 1 failed, 1 warning, 2 ok of 4 objects ((vApp) Firewall: Error: Failed to process the following VMs: Firewall.)');
  });

  it('places the local times of "zaterdag 1 februari 2020" in the zone of the Date header (+0100)', () => {
    const r = parse(real());
    expect(r.startedAt).toEqual(new Date('2020-02-01T00:00:29Z'));
    expect(r.endedAt).toEqual(new Date('2020-02-01T00:10:11Z'));
  });

  it('reads "16,5 GB" total and "84,8 MB" backup size as binary units', () => {
    expect(parse(real()).bytes).toEqual({ examined: Math.round(16.5 * 1024 ** 3), copied: Math.round(84.8 * 1024 ** 2), failed: null });
  });

  it('lists every row as an object with its own status, times, transferred bytes and details', () => {
    const r = parse(real());
    expect(r.objects.map((o) => [o.name, o.status])).toEqual([['(vApp) Servers', 'ok'], ['BITDC01', 'warning'], ['(vApp) Firewall', 'failed'], ['Firewall', 'ok']]);
    expect(r.objects[2]).toEqual({
      name: '(vApp) Firewall', status: 'failed', bytes: Math.round(813.1 * 1024 ** 2),
      detail: 'Using Backup Repository 1 scale-out repository extent (unable to meet data placement policy) Error: Failed to process the following VMs: Firewall.',
      startedAt: new Date('2020-02-01T00:01:29Z'), endedAt: new Date('2020-02-01T00:06:46Z'),
    });
  });

  it('puts the failed objects\' errors first, then the session\'s, then the warnings', () => {
    expect(parse(real()).errors).toEqual([
      '(vApp) Firewall: Error: Failed to process the following VMs: Firewall.',
      'Processing Firewall Error: Failed to process the following VMs: Firewall.',
      'Processing Servers Error: Failed to process the following VMs: BITDC01.',
      'BITDC01: Error: Backup repository quota has been exceeded',
    ]);
  });
});

describe('variants built from the real mail', () => {
  it('reads a job whose result and objects all say Success as ok, with no errors', () => {
    const r = parse(edited(header('Success'), ...counts(4, 0, 0), ...allSuccess()));
    expect(r.status).toBe('ok');
    expect(r.errors.filter((e) => !e.startsWith('Processing'))).toEqual([]);
    expect(r.summary).toMatch(/^Veeam backup job "Bjork IAAS server" \(retry 3\) succeeded: 4 ok of 4 objects/);
  });

  it('fails a job whose result says Success when one VM row says Failed, with that VM\'s detail in the errors', () => {
    const r = parse(edited(header('Success'), ...counts(4, 0, 0), ...allSuccess().slice(0, 2), rowStatus('(vApp) Firewall', 'Success'), rowStatus('Firewall', 'Failed')));
    expect(r.status).toBe('failed');
    expect(r.errors[0]).toBe('Firewall: Error: Connection was forcibly closed. Failed to upload disk. Agent failed to process method {DataTransfer.SyncDisk}.');
    expect(r.summary).toMatch(/failed \(the mail says Success\): 1 failed, 3 ok of 4 objects/);
  });

  it('reads a Warning result with one warning object as warning', () => {
    const r = parse(edited(header('Warning'), ...counts(3, 1, 0), ...allSuccess().filter((_, i) => i !== 1)));
    expect(r.status).toBe('warning');
    expect(r.errors[0]).toBe('Processing Firewall Error: Failed to process the following VMs: Firewall.');
  });

  it('reads a first run (no "(Retry N)") and keeps the job name as it is', () => {
    const r = parse(edited([/ \(Retry 3\)/, '']));
    expect(r.job).toBe('Bjork IAAS server');
    expect(r.summary).toMatch(/^Veeam backup job "Bjork IAAS server" failed/);
  });

  it('reads a header whose name runs into its description without a space, as Veeam writes it', () => {
    expect(parse(edited([/\(Retry 3\)\s+<div/, '(Retry 3)<div'])).job).toBe('Bjork IAAS server');
  });

  it('reads an agent job with one computer as the host, and its object as the computer', () => {
    const r = parse(edited([/Backup job: Bjork IAAS server \(Retry 3\)/, 'Agent Backup job: Laptops'], header('Success'), ...counts(1, 0, 0),
      [/<tr>\s*<td nowrap="nowrap">\(vApp\) Servers[\s\S]*<td nowrap="nowrap">Firewall<\/td>/, '<tr><td nowrap="nowrap">WS-0042</td>'], rowStatus('WS-0042', 'Success')));
    expect(r).toMatchObject({ job: 'Laptops', host: 'WS-0042', operation: 'backup', status: 'ok' });
    expect(r.objects.map((o) => o.name)).toEqual(['WS-0042']);
  });

  it('reads a backup copy job as operation backup-copy', () => {
    expect(parse(edited([/Backup job:/, 'Backup Copy job:'])).operation).toBe('backup-copy');
  });

  it('fails a mail cut off in its object table, even when its header says Success', () => {
    const n = edited(header('Success'), ...counts(4, 0, 0), ...allSuccess());
    const r = parse({ ...n, html: n.html.slice(0, n.html.indexOf('(vApp) Firewall')) });
    expect(r.status).toBe('failed');
    expect(r.errors[0]).toBe('the mail is cut off: 2 of 4 objects listed');
  });

  it('fails a mail without its result word', () => {
    expect(parse(edited([/<td>Error\n/, '<td>\n'])).status).toBe('failed');
  });

  it('gives no times when the Date header cannot place them, rather than guessing a zone', () => {
    const r = parse({ ...real(), date: null });
    expect([r.startedAt, r.endedAt, r.objects[0]!.startedAt]).toEqual([null, null, null]);
  });
});

describe('recognising Veeam mails', () => {
  it('recognises the body without the word Veeam, by its header, summary and object table', () => {
    expect(real().html).not.toMatch(/veeam/i);
    expect(veeamParser.recognises({ ...real(), subject: 'Fwd: backup' })).toBe(true);
  });

  it('recognises the default subject alone, and reads it as failed with no body', () => {
    const n = notification({ subject: '[Success] Agent Backup Job WS-0042 (1 objects)' });
    expect(veeamParser.recognises(n)).toBe(true);
    expect(parse(n)).toMatchObject({ job: 'Agent Backup Job WS-0042', status: 'failed' });
  });

  it('does not claim other mails that merely say job and success', () => {
    expect(veeamParser.recognises(notification({ subject: '[Success] nightly', html: '<p>Backup job: nightly finished. Start time 1:00, End time 2:00</p>' }))).toBe(false);
    expect(veeamParser.parse(notification({ html: '<p>hello</p>' }))).toBeNull();
  });
});

describe('Veeam values', () => {
  it('reads sizes in either decimal culture, with binary units', () => {
    expect([bytesOf('16,5 GB'), bytesOf('813.1 MB'), bytesOf('0,0 B'), bytesOf('1 024,0 KB'), bytesOf('1.2 TB'), bytesOf('N/A')]).toEqual([
      Math.round(16.5 * 1024 ** 3), Math.round(813.1 * 1024 ** 2), 0, 1024 * 1024, Math.round(1.2 * 1024 ** 4), null,
    ]);
  });

  it('reads the session line\'s day in several cultures', () => {
    const feb1 = Date.UTC(2020, 1, 1);
    expect(['zaterdag 1 februari 2020 01:00:29', 'Saturday, February 1, 2020 1:00:29 AM', 'Samstag, 1. Februar 2020 01:00:29', 'samedi 1 février 2020 01:00:29', '2/1/2020 1:00:29 AM', '01.02.2020 01:00:29'].map(dayOf)).toEqual(Array(6).fill(feb1));
  });

  it('reads times of day with and without AM/PM', () => {
    expect([timeOfDay('01:00:29'), timeOfDay('1:00:29 PM'), timeOfDay('12:05 AM'), timeOfDay('25:00')]).toEqual([3_629_000, 46_829_000, 300_000, null]);
  });
});
