import { htmlToPlain } from '../html.ts';
import { noCounts, type Notification, type ThirdPartyParser, type ThirdPartyReport } from '../types.ts';
import { runTimes } from './dates.ts';
import { jsonCandidates, looksLikeJsonReport, readJsonReport } from './json.ts';
import { copiedBytes, copiedFiles, statusOf, summaryOf, type DuplicatiResult } from './result.ts';
import { looksLikeTextReport, readTextReport } from './text.ts';

/**
 * Duplicati's result mails (send-mail module, or send-http relayed to mail): the text report
 * (the default) and the JSON report, in the body or as an attachment. The subject is Duplicati's
 * default `Duplicati %OPERATIONNAME% report for %backup-name%` or the user's own; it only ever
 * names the job (the body beats the subject).
 */

/** Default and customised subjects: "Duplicati Backup report for X", "Duplicati Backup (Success) report for X". */
const SUBJECT = /^Duplicati\s+(?:(\w+)\s+)?(?:\(\w+\)\s+)?report for\s+(.+?)\s*$/i;
const SUBJECT_LOOSE = /\breport for\s+(.+?)\s*$/i;

function bodyText(n: Notification): string {
  return n.text.trim() ? n.text : htmlToPlain(n.html);
}

function readAny(n: Notification): DuplicatiResult | null {
  for (const json of jsonCandidates(n)) {
    const r = readJsonReport(json);
    if (r) return r;
  }
  return readTextReport(bodyText(n));
}

/** The job: the report's own backup name, else the subject's; the operation likewise. */
function jobAndOperation(n: Notification, reportJob: string | null, reportOperation: string | null): { job: string; operation: string } {
  const strict = SUBJECT.exec(n.subject);
  const loose = /duplicati/i.test(n.subject) ? SUBJECT_LOOSE.exec(n.subject) : null;
  const job = reportJob ?? strict?.[2] ?? loose?.[1] ?? (n.subject.trim() || 'Duplicati');
  const operation = (reportOperation ?? strict?.[1] ?? 'backup').toLowerCase();
  return { job: job.slice(0, 500), operation: operation.slice(0, 100) };
}

/** A JSON report cut off or broken: recognisably Duplicati's, but with no verdict to read. */
function unreadableJson(n: Notification): ThirdPartyReport | null {
  if (!jsonCandidates(n).length) return null;
  const { job, operation } = jobAndOperation(n, null, null);
  return {
    tool: 'duplicati', job, host: null, operation, status: 'failed', startedAt: null, endedAt: null,
    files: noCounts(), bytes: noCounts(), errors: ['the Duplicati JSON report is cut off or not valid JSON'],
    summary: 'Duplicati JSON report cut off or unreadable: no result', objects: [],
  };
}

function toReport(n: Notification, r: DuplicatiResult): ThirdPartyReport {
  const { job, operation } = jobAndOperation(n, r.job, r.operation);
  const { startedAt, endedAt } = runTimes(r.begin, r.end, n.date);
  const lines = [...r.errors, ...r.warnings].slice(0, 50).map((l) => l.slice(0, 2000));
  return {
    tool: 'duplicati',
    job,
    host: r.host ? r.host.slice(0, 500) : null,
    operation,
    status: statusOf(r),
    startedAt,
    endedAt,
    files: { examined: r.examinedFiles, copied: copiedFiles(r), failed: r.filesWithError },
    bytes: { examined: r.sizeOfExaminedFiles, copied: copiedBytes(r), failed: null },
    errors: lines,
    summary: summaryOf(r, operation),
    objects: [],
  };
}

export const duplicatiParser = {
  name: 'duplicati',
  tool: 'Duplicati',
  description: 'Duplicati result mails: the text report (ParsedResult, epoch times) or the JSON report, in the body or attached',
  recognises(n: Notification): boolean {
    try {
      if (SUBJECT.test(n.subject) || looksLikeTextReport(bodyText(n)) || looksLikeJsonReport(n.text)) return true;
      return jsonCandidates(n).length > 0;
    } catch {
      return false;
    }
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      const r = readAny(n);
      return r ? toReport(n, r) : unreadableJson(n);
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
