import { htmlToPlain } from '../html.ts';
import { worstStatus, type Notification, type ReportObject, type ThirdPartyParser, type ThirdPartyReport } from '../types.ts';
import { jobTimes } from './dates.ts';
import { readJobMail, type JobMail } from './report.ts';
import { jobName, readResult, type JobResult } from './result.ts';

/**
 * Bacula and Bareos director job mails (Messages resource `mail`/`mailonerror`, sent by bsmtp).
 * The subject is the default MailCommand's `Bacula: %t %e of %c %l` (`Bareos: ...`), e.g.
 * `Bacula: Backup OK of client-fd Incremental`; it names the client, not the job, and its verdict
 * only repeats the report's (the body beats the subject). The body is the job's log lines and the
 * director's job report (report.ts), read by result.ts.
 */

const SUBJECT = /^(Bacula|Bareos)(?: Enterprise)?:\s+(\w+)\s+(.*?)\s+of(?:\s+(\S+)(?:\s+(.*))?)?$/i;
/** The report's structure: a `JobId:` field line together with a `Termination:`/`FD Files Written:` line or a heading. */
const BODY_SIGNS = [/^\s*JobId:\s+\d+\s*$/m, /^\s*(?:Termination|FD Files Written|Build OS):\s/m, /\b(?:Bacula|Bareos)(?: Enterprise)? \S+ \S+ \(\d{1,2}[A-Za-z]{3}\d{2}\):\s*$/m];

function bodyText(n: Notification): string {
  return n.text.trim() ? n.text : htmlToPlain(n.html);
}

function looksLikeReport(text: string): boolean {
  const [jobId, field, heading] = BODY_SIGNS.map((re) => re.test(text.slice(0, 1_000_000)));
  return Boolean(jobId && (field || heading));
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

function summaryOf(r: JobResult, job: string, firstError: string | undefined): string {
  const what = r.termination ?? `${r.operation[0]!.toUpperCase()}${r.operation.slice(1)} report cut off before its Termination line (no result)`;
  const parts = [`${job}${r.client ? ` on ${r.client}` : ''}`];
  if (r.level) parts.push(r.level);
  if (r.filesCopied !== null) parts.push(`${plural(r.filesCopied, 'file')}${r.bytesText ? ` (${r.bytesText})` : ''}`);
  let s = `${what}: ${parts.join(', ')}`;
  const problems = r.problems.filter((p) => !p.startsWith('Termination:')); // the verdict leads already
  if (problems.length) s += `; ${problems.join(', ')}`;
  if (r.status === 'failed' && firstError) s += ` (${firstError.replace(/^.*?JobId \d+: /, '')})`;
  return s.length > 1000 ? `${s.slice(0, 997)}...` : s;
}

function toReport(n: Notification, mail: JobMail, results: JobResult[]): ThirdPartyReport {
  const subject = SUBJECT.exec(n.subject);
  const main = results[0]!;
  const job = (main.job ?? (mail.startedJob ? jobName(mail.startedJob) : null) ?? (subject?.[4] || null) ?? 'Bacula job').slice(0, 500);
  const { startedAt, endedAt } = jobTimes(main.start, main.end, n.date);
  const cutOff = results.filter((r) => r.termination === null).length;
  const errors = [
    ...mail.errors,
    ...(cutOff ? ['the job report ends before its Termination line'] : []),
    ...results.flatMap((r) => (r.status === 'ok' ? [] : r.problems)),
    ...mail.warnings,
  ].slice(0, 50);
  const objects: ReportObject[] = results.length < 2 ? [] : results.map((r) => {
    const t = jobTimes(r.start, r.end, n.date);
    return { name: (r.job ?? job).slice(0, 500), status: r.status, detail: r.termination ?? 'cut off before its Termination line', bytes: r.bytesCopied, startedAt: t.startedAt, endedAt: t.endedAt };
  });
  return {
    tool: 'bacula',
    job,
    host: main.client ?? (subject?.[4] || null),
    operation: main.operation,
    status: worstStatus(results.map((r) => r.status)),
    startedAt,
    endedAt,
    files: { examined: main.filesExamined, copied: main.filesCopied, failed: null },
    bytes: { examined: null, copied: main.bytesCopied, failed: null },
    errors,
    summary: summaryOf(main, job, mail.errors.find((e) => /JobId \d+: Fatal error:/.test(e)) ?? mail.errors[0]),
    objects,
  };
}

export const baculaParser = {
  name: 'bacula',
  tool: 'Bacula / Bareos',
  description: 'Bacula and Bareos director job mails (subject "Bacula: %t %e of %c %l"): the job report, its Termination line and the log lines before it',
  recognises(n: Notification): boolean {
    try {
      return SUBJECT.test(n.subject) || looksLikeReport(bodyText(n));
    } catch {
      return false;
    }
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const text = bodyText(n);
      if (!looksLikeReport(text)) return null;
      const mail = readJobMail(text);
      const subject = SUBJECT.exec(n.subject);
      const reports = mail.blocks.filter((b) => ['JobId', 'Job', 'Client', 'Termination'].some((k) => b.fields.has(k)));
      const results = reports.map((b) => readResult(b, subject?.[2] ?? null));
      return results.length ? toReport(n, mail, results) : null;
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
