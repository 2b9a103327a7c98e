import { htmlToPlain } from '../html.ts';
import { noCounts, type Notification, type ReportObject, type ThirdPartyParser, type ThirdPartyReport } from '../types.ts';
import { runTimes } from './dates.ts';
import { ACTIVE_BACKUP_NAME, namesOfSubject } from './subject.ts';
import { isIntegrityCheck, jobAndHostOfSentence, labelledValues, verdictOf, type Verdict } from './text.ts';
import { sizeBytes } from './units.ts';

/**
 * Synology DSM's notification mails for Hyper Backup (backup task completed / partially
 * completed / failed / canceled, integrity check) and Active Backup for Business (backup task on
 * the NAS completed ..., with its device list). DSM sends them in the notification language, as
 * text with an HTML alternative; the text part is read, else the HTML as text.
 */

const GREETING = /^\s*(?:dear user|sehr geehrter benutzer|gentile utente|cher utilisateur|estimado usuario)\b/im;
const HB_LABELS = /^\s*(?:backup task|datensicherungsaufgabe)\s*:/im;
const HB_DESTINATION = /^\s*(?:backup destination|datensicherungsziel)\s*:/im;

function bodyText(n: Notification): string {
  return n.text.trim() ? n.text : htmlToPlain(n.html);
}

/** DSM's mail layout (greeting, then Backup Task/Destination lines), or a product name in the subject or body. */
function looksLikeSynology(n: Notification, body: string): boolean {
  if (ACTIVE_BACKUP_NAME.test(n.subject) || /^(?:\[[^\]]*\]\s*)?Hyper Backup\s+-\s/i.test(n.subject)) return true;
  if (ACTIVE_BACKUP_NAME.test(body) || /\bHyper Backup\s*>\s*\w/.test(body)) return true;
  return GREETING.test(body) && HB_LABELS.test(body) && HB_DESTINATION.test(body);
}

const WORD: Record<string, string> = { ok: 'completed', warning: 'partially completed', failed: 'failed' };

function summaryOf(product: string, operation: string, job: string, host: string | null, verdict: Verdict | null, extra: string[]): string {
  const what = `${product} ${operation === 'integrity-check' ? 'integrity check' : 'task'} ${job}${host ? ` on ${host}` : ''}`;
  if (!verdict) return `${what}: the mail is cut off or unreadable, no result`.slice(0, 1000);
  const tail = verdict.status === 'ok' ? (extra.length ? ` (${extra.join(', ')})` : '') : `: ${verdict.line}`;
  return `${what} ${WORD[verdict.status]}${tail}`.slice(0, 1000);
}

function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', sec || (!h && !m) ? `${sec}s` : ''].filter(Boolean).join(' ');
}

/** Active Backup's device list: one object per device, as the task went (the mail gives no per-device result). */
function devicesOf(list: string | undefined, status: ThirdPartyReport['status'], bytes: number | null, times: { startedAt: Date | null; endedAt: Date | null }): ReportObject[] {
  const names = (list ?? '').split(/[,;]\s*/).map((d) => d.trim()).filter(Boolean).slice(0, 10_000);
  const single = names.length === 1;
  return names.map((name) => ({
    name: name.slice(0, 500), status, detail: null, bytes: single ? bytes : null,
    startedAt: single ? times.startedAt : null, endedAt: single ? times.endedAt : null,
  }));
}

function toReport(n: Notification, body: string): ThirdPartyReport {
  const fields = labelledValues(body);
  const sentence = jobAndHostOfSentence(body);
  const subject = namesOfSubject(n.subject);
  const product = ACTIVE_BACKUP_NAME.test(n.subject) || ACTIVE_BACKUP_NAME.test(body) ? 'Active Backup for Business' : 'Hyper Backup';
  const job = (fields.job ?? sentence.job ?? subject.job ?? (n.subject.trim() || product)).slice(0, 500);
  const host = (sentence.host ?? subject.host ?? subject.prefix)?.slice(0, 500) ?? null;
  const operation = isIntegrityCheck(`${n.subject}\n${body}`) ? 'integrity-check' : 'backup';
  const verdict = verdictOf(body);
  const status = verdict?.status ?? 'failed';
  const times = runTimes(fields.start ?? null, fields.end ?? null, fields.duration ?? null, n.date);
  const copied = fields.bytes ? sizeBytes(fields.bytes) : null;
  const errors = verdict && verdict.status !== 'ok' ? [verdict.line, ...(fields.reason ? [`${fields.reason}`] : [])] : verdict ? [] : ['no result: the mail ends before its verdict'];
  const extra: string[] = [];
  if (times.startedAt && times.endedAt) extra.push(`took ${humanDuration(times.endedAt.getTime() - times.startedAt.getTime())}`);
  if (fields.bytes) extra.push(`${fields.bytes.trim()} transferred`);
  if (fields.destination) extra.push(`to ${fields.destination.replace(/\s+/g, ' ').trim()}`);
  return {
    tool: 'synology', job, host, operation, status,
    startedAt: times.startedAt, endedAt: times.endedAt,
    files: noCounts(), bytes: { examined: null, copied, failed: null },
    errors: errors.slice(0, 50).map((e) => e.slice(0, 2000)),
    summary: summaryOf(product, operation, job, host, verdict, extra),
    objects: product === 'Active Backup for Business' ? devicesOf(fields.devices, status, copied, times) : [],
  };
}

export const synologyParser = {
  name: 'synology',
  tool: 'Synology Hyper Backup / Active Backup for Business',
  description: 'Synology DSM notification mails of Hyper Backup (backup task completed/partially completed/failed/canceled, integrity check) and Active Backup for Business (backup task with device list)',
  recognises(n: Notification): boolean {
    try {
      return looksLikeSynology(n, bodyText(n).slice(0, 100_000));
    } catch {
      return false;
    }
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const body = bodyText(n).slice(0, 200_000);
      return looksLikeSynology(n, body) ? toReport(n, body) : null;
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
