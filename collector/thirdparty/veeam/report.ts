import { worstStatus, type ReportObject, type ThirdPartyReport } from '../types.ts';
import type { RunStatus } from '../../../core/result/schema.ts';
import { dayOf, offsetFromMailDate, timeAfter, timeOfDay } from './dates.ts';
import type { VeeamMail, VeeamRow } from './read.ts';
import { bytesOf, statusOf } from './values.ts';

/** From what a Veeam mail says to the report: statuses, times, sizes, error lines and summary. */

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** `Backup` → backup, `Backup Copy` → backup-copy, `Agent Backup` → backup, `Replication` → replication. */
function operationOf(type: string): string {
  const t = type.toLowerCase().replace(/\b(agent|file|vm|nas|object storage)\b/g, '').trim();
  return clip(t.replace(/\s+/g, '-') || 'backup', 100);
}

interface Placed {
  startedAt: Date | null;
  endedAt: Date | null;
  at: (value: string | undefined) => Date | null;
}

/**
 * The session's times, placed in the zone the Date header implies. The day comes from the session
 * line; times of day after it roll over midnight; without a readable day there are no times.
 */
function placeTimes(mail: VeeamMail, mailDate: Date | null): Placed {
  const none: Placed = { startedAt: null, endedAt: null, at: () => null };
  const day = mail.sessionLine ? dayOf(mail.sessionLine) : null;
  if (day === null) return none;
  const startOfDay = timeOfDay(mail.summary.get('Start time') ?? '') ?? (mail.sessionLine ? timeOfDay(mail.sessionLine) : null);
  const start = startOfDay === null ? null : day + startOfDay;
  const end = timeAfter(mail.summary.get('End time'), start);
  const offset = end === null ? null : offsetFromMailDate(end, mailDate);
  if (offset === null || start === null) return none;
  return {
    startedAt: new Date(start + offset),
    endedAt: end === null ? null : new Date(end + offset),
    at: (value) => {
      const t = timeAfter(value, start);
      return t === null ? null : new Date(t + offset);
    },
  };
}

function objectOf(row: VeeamRow, times: Placed): ReportObject {
  const c = row.cells;
  return {
    name: clip(c.get('name')!, 500),
    status: statusOf(c.get('status')),
    detail: row.details.length ? clip(row.details.join(' '), 2000) : null,
    // What this run moved for the object; the object's size when the mail has no Transferred column.
    bytes: bytesOf(c.get('transferred')) ?? bytesOf(c.get('size')),
    startedAt: times.at(c.get('start time')),
    endedAt: times.at(c.get('end time')),
  };
}

/** An object's lines worth reading: its Error/Warning lines, else all of them. */
function problemLines(row: VeeamRow): string[] {
  const flagged = row.details.filter((d) => /\b(error|warning|failed)\b/i.test(d));
  return flagged.length ? flagged : row.details;
}

function errorLines(mail: VeeamMail, objects: ReportObject[]): string[] {
  const lines = (status: RunStatus) =>
    mail.objects.flatMap((row, i) => (objects[i]!.status === status ? (problemLines(row).length ? problemLines(row) : [`status ${row.cells.get('status') || 'missing'}`]).map((l) => `${objects[i]!.name}: ${l}`) : []));
  const session = mail.sessionDetails.filter((d) => /\b(error|failed)\b/i.test(d));
  const sessionWarnings = mail.sessionDetails.filter((d) => !session.includes(d));
  return [...new Set([...lines('failed'), ...session, ...lines('warning'), ...sessionWarnings])].slice(0, 50).map((l) => clip(l, 2000));
}

/** Why a mail that names its job cannot be trusted to be complete, or null. */
function cutOff(mail: VeeamMail): string | null {
  if (!mail.result) return 'the mail has no job result';
  if (!mail.summary.size && !mail.objects.length) return 'the mail is cut off before its summary';
  if (mail.counted !== null && mail.objects.length < mail.counted) return `the mail is cut off: ${mail.objects.length} of ${mail.counted} objects listed`;
  return null;
}

function summaryOf(mail: VeeamMail, status: RunStatus, objects: ReportObject[], errors: string[], cut: string | null): string {
  const retry = mail.retry ? ` (retry ${mail.retry})` : '';
  const head = `Veeam ${mail.type.toLowerCase()} job "${mail.job}"${retry}`;
  if (cut) return clip(`${head}: result unknown, ${cut}`, 1000);
  const n = (s: RunStatus) => objects.filter((o) => o.status === s).length;
  const verdict = status === 'ok' ? 'succeeded' : status === 'warning' ? 'finished with warnings' : 'failed';
  const said = mail.result && statusOf(mail.result) !== status ? ` (the mail says ${mail.result})` : '';
  const counts = objects.length ? `: ${[n('failed') && `${n('failed')} failed`, n('warning') && `${n('warning')} warning`, n('ok') && `${n('ok')} ok`].filter(Boolean).join(', ')} of ${objects.length} object${objects.length === 1 ? '' : 's'}` : '';
  return clip(`${head} ${verdict}${said}${counts}${errors[0] ? ` (${errors[0]})` : ''}`, 1000);
}

/** The report of a readable Veeam mail: as bad as its result word and its worst object. */
export function toReport(mail: VeeamMail, mailDate: Date | null): ThirdPartyReport {
  const times = placeTimes(mail, mailDate);
  const objects = mail.objects.map((row) => objectOf(row, times));
  const cut = cutOff(mail);
  const errors = errorLines(mail, objects);
  const status: RunStatus = cut ? 'failed' : worstStatus([statusOf(mail.result!), ...objects.map((o) => o.status), ...((mail.counted !== null && Number(mail.summary.get('Error')) > 0) ? ['failed' as const] : [])]);
  const agent = /agent/i.test(mail.type) || /veeam agent/i.test(mail.description ?? '');
  return {
    tool: 'veeam',
    job: clip(mail.job, 500),
    // Only an agent job's single object is a machine the mail names; B&R mails name no server.
    host: agent && objects.length === 1 ? objects[0]!.name : null,
    operation: operationOf(mail.type),
    status,
    startedAt: times.startedAt,
    endedAt: times.endedAt,
    files: { examined: null, copied: null, failed: null },
    bytes: { examined: bytesOf(mail.summary.get('Total size')), copied: bytesOf(mail.summary.get('Backup size')) ?? bytesOf(mail.summary.get('Transferred')), failed: null },
    errors: cut ? [cut, ...errors].slice(0, 50) : errors,
    summary: summaryOf(mail, status, objects, errors, cut),
    objects,
  };
}
