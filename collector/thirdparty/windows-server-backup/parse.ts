import { htmlToPlain } from '../html.ts';
import { noCounts, worstStatus, type Notification, type ThirdPartyParser, type ThirdPartyReport } from '../types.ts';
import { looksLikeBackupEvent, readEvents } from './events.ts';
import { clip, type Reading } from './reading.ts';
import { looksLikeWbadmin, readWbadmin } from './wbadmin.ts';

/**
 * Windows Server Backup has no mail of its own: admins mail what a script captured, either the
 * console output of `wbadmin start backup` / `start systemstatebackup` / `get versions`, or the
 * Microsoft-Windows-Backup event that triggered a scheduled task. Both may come in the body or
 * as a text attachment (PowerShell's `Out-File` writes UTF-16). The subject is the script's own,
 * so it only ever names the job; the body decides the status.
 */

const SUBJECT = /\bwbadmin\b|Windows Server Backup|Microsoft-Windows-Backup/i;
const JOB_IN_SUBJECT = /\b(?:job|task|policy)\s*[:=]\s*["']?([^"'\]\r\n]{1,200}?)["']?\s*(?:$|[\]|(-])/i;
const MAX_TEXT = 1_000_000;

/** An attachment's text: UTF-16 (with or without BOM, as `Out-File` and `wevtutil` write it) or UTF-8. */
function decode(b: Buffer): string {
  const head = b.subarray(0, 2);
  if (head[0] === 0xff && head[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (head[0] === 0xfe && head[1] === 0xff) return Buffer.from(b.subarray(2)).swap16().toString('utf16le');
  const sample = b.subarray(0, 200);
  const zeros = sample.filter((x, i) => i % 2 === 1 && x === 0).length;
  return zeros > sample.length / 4 ? b.subarray(0, b.length - (b.length % 2)).toString('utf16le') : b.toString('utf8');
}

/** The body and every text attachment (.txt, .log, text/*), each capped. */
function texts(n: Notification): string[] {
  const body = n.text.trim() ? n.text : htmlToPlain(n.html);
  const attached = n.attachments
    .filter((a) => /^text\//i.test(a.contentType) || /\.(?:txt|log)$/i.test(a.filename ?? ''))
    .map((a) => decode(a.content.subarray(0, 2 * MAX_TEXT)));
  return [body, ...attached].map((t) => t.slice(0, MAX_TEXT)).filter((t) => t.trim());
}

function recognisable(n: Notification, all: string[]): boolean {
  return SUBJECT.test(n.subject) || all.some((t) => looksLikeWbadmin(t) || looksLikeBackupEvent(t));
}

/** Several readings (console output and events, body and attachment) as one result. */
function combine(readings: Reading[]): Reading {
  const decided = readings.filter((r) => r.verdict !== null);
  const main = readings.find((r) => r.verdict === 'failed') ?? decided[0] ?? readings[0]!;
  return {
    ...main,
    verdict: decided.length ? worstStatus(decided.map((r) => r.verdict!)) : null,
    startedAt: main.startedAt ?? readings.find((r) => r.startedAt)?.startedAt ?? null,
    endedAt: main.endedAt ?? readings.find((r) => r.endedAt)?.endedAt ?? null,
    host: readings.find((r) => r.host)?.host ?? null,
    errors: [...new Set(readings.flatMap((r) => r.errors))],
    warnings: [...new Set(readings.flatMap((r) => r.warnings))],
    objects: readings.flatMap((r) => r.objects),
  };
}

const WORD: Record<string, string> = { backup: 'Backup', 'system-state-backup': 'System state backup', 'list-versions': 'Backup versions' };

/** Windows' closing advice, the same in every event message: not worth a summary's space. */
const BOILERPLATE = /\s*Please (?:review the event details for (?:a )?solutions?, and then rerun the (?:backup|recovery) operation once the issue is resolved|rerun backup once (?:the )?issue is resolved)\.?/gi;

const brief = (s: string) => s.replace(BOILERPLATE, '').replace(/^ERROR\s+-\s+/, '');

function summaryOf(r: Reading, status: ThirdPartyReport['status']): string {
  const what = WORD[r.operation] ?? 'Backup';
  if (r.verdict === null) return `${what}: no result in the mail (output cut off, or only a start/completed event)`;
  if (r.operation === 'list-versions') return status === 'ok' ? `${what}: ${r.summary}` : `${what}: ${brief(r.errors[0] ?? r.summary)}`;
  const detail = brief(status === 'ok' ? r.summary : (r.errors[0] ?? r.warnings[0] ?? r.summary));
  const verb = status === 'ok' ? 'completed successfully' : status === 'warning' ? 'completed with errors' : 'failed';
  return clip(`${what} ${verb}${detail ? `: ${detail}` : ''}`, 1000);
}

function toReport(n: Notification, r: Reading): ThirdPartyReport {
  const status = r.verdict === null ? 'failed' : worstStatus([r.verdict, ...r.objects.map((o) => o.status)]);
  const job = JOB_IN_SUBJECT.exec(n.subject)?.[1]?.trim() || 'Windows Server Backup';
  const errors = [...r.errors, ...r.warnings];
  if (r.verdict === null) errors.unshift('no result: neither a success nor a failure line or event');
  return {
    tool: 'windows-server-backup',
    job: clip(job, 500),
    host: r.host ? clip(r.host, 500) : null,
    operation: r.operation,
    status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    files: noCounts(),
    bytes: noCounts(),
    errors: errors.slice(0, 50).map((e) => clip(e)),
    summary: summaryOf(r, status),
    objects: r.objects.slice(0, 10_000),
  };
}

export const windowsServerBackupParser = {
  name: 'windows-server-backup',
  tool: 'Windows Server Backup (wbadmin)',
  description: 'wbadmin console output (start backup, start systemstatebackup, get versions) and Microsoft-Windows-Backup event text mailed by scripts',
  recognises(n: Notification): boolean {
    try {
      return recognisable(n, texts(n));
    } catch {
      return false;
    }
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const all = texts(n);
      if (!recognisable(n, all)) return null;
      const readings = all.flatMap((t) => [readWbadmin(t, n.subject), readEvents(t, n.date)]).filter((r): r is Reading => r !== null);
      const reading = readings.length
        ? combine(readings)
        : { operation: /systemstate/i.test(n.subject) ? 'system-state-backup' : 'backup', verdict: null, startedAt: null, endedAt: null, host: null, errors: [], warnings: [], objects: [], summary: '' };
      return toReport(n, reading);
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
