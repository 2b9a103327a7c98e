import { htmlToPlain } from '../html.ts';
import { noCounts, worstStatus, type Notification, type ThirdPartyParser, type ThirdPartyReport } from '../types.ts';
import type { RunStatus } from '../../../core/result/schema.ts';
import { readLogs } from './logs.ts';
import { clockFor, errorLines, guestResult, summaryOf, type GuestResult } from './report.ts';
import { hasTableHeader, readHtmlTable, readTextTable, type GuestTable } from './table.ts';
import { parseBytes } from './units.ts';

/**
 * Proxmox VE's vzdump backup mails: one per job and node (a cluster-wide job mails once from
 * each node), subject `vzdump backup status (<fqdn>): backup successful|failed[: <error>]`
 * (legacy mails up to PVE 8.0 put a space before the colon), a text and an HTML part, each with
 * the guest table (see table.ts) and the guests' logs (see logs.ts). The table is the verdict;
 * the subject only adds a job-level failure the body does not repeat.
 */

const SUBJECT = /vzdump backup status \((.+?)\)\s*:\s*backup (successful|failed)(?::\s*(.+?))?\s*$/i;
const SUBJECT_LOOSE = /\bvzdump backup status\b/i;
const JOB_START = /INFO: starting new backup job: vzdump\b/;
const HTML_HEADER = />\s*VMID\s*(?:<[^<>]{0,200}>\s*){1,4}Name\s*</i;

interface Body {
  table: GuestTable | null;
  /** The text the logs are read from: the text part, else the HTML part as text. */
  text: string;
}

function bodyOf(n: Notification): Body {
  const fromText = n.text.trim() ? readTextTable(n.text) : null;
  if (fromText || !n.html.trim()) return { table: fromText, text: n.text };
  const plain = htmlToPlain(n.html);
  return { table: readHtmlTable(n.html, plain), text: n.text.trim() ? n.text : plain };
}

function failedReport(host: string | null, summary: string, errors: string[]): ThirdPartyReport {
  return {
    tool: 'proxmox-ve', job: 'vzdump', host, operation: 'backup', status: 'failed', startedAt: null, endedAt: null,
    files: noCounts(), bytes: noCounts(), errors: errors.slice(0, 50).map((e) => e.slice(0, 2000)), summary: summary.slice(0, 1000), objects: [],
  };
}

const earliest = (ds: (Date | null)[]) => ds.reduce<Date | null>((a, d) => (d && (!a || d < a) ? d : a), null);
const latest = (ds: (Date | null)[]) => ds.reduce<Date | null>((a, d) => (d && (!a || d > a) ? d : a), null);

function copiedBytes(table: GuestTable, results: readonly GuestResult[]): number | null {
  const total = parseBytes(table.totalSize);
  if (total !== null) return total;
  const known = results.map((r) => r.object.bytes).filter((b): b is number => b !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

function read(n: Notification): ThirdPartyReport | null {
  const subject = SUBJECT.exec(n.subject);
  const { table, text } = bodyOf(n);
  if (!table && !subject && !JOB_START.test(text)) return null;
  const logs = readLogs(text);
  const host = (subject?.[1] ?? /--node\s+(\S+)/.exec(logs.command ?? '')?.[1] ?? null)?.slice(0, 500) ?? null;
  const subjectError = subject?.[3] && !/^multiple problems$/i.test(subject[3]) ? subject[3] : null;
  const jobErrors = [...(subjectError ? [subjectError] : []), ...(table?.preamble ?? [])];
  if (!table) return failedReport(host, 'vzdump mail without its guest table: no result', errorLines(jobErrors, logs, []));
  if (!table.complete) return failedReport(host, 'vzdump mail cut off inside its guest table: no result', errorLines(jobErrors, logs, []));

  const clock = clockFor(logs, n.date);
  const results = table.guests.map((g) => guestResult(g, logs, clock));
  const objects = results.map((r) => r.object);
  const jobLevel = logs.lines.find((l) => l.vmid === null && l.level === 'ERROR')?.message ?? null;
  const jobError = jobErrors[0] ?? jobLevel ?? (subject?.[2]?.toLowerCase() === 'failed' && results.every((r) => r.object.status !== 'failed') ? 'the subject says the backup failed' : null);
  let status: RunStatus = worstStatus(objects.map((o) => o.status));
  if (jobError || !objects.length) status = 'failed';
  const summary = objects.length || jobError ? summaryOf(status, jobError, results, table.totalSize, table.totalTime) : 'Backup failed: the mail lists no guests';
  return {
    tool: 'proxmox-ve',
    job: 'vzdump',
    host,
    operation: 'backup',
    status,
    startedAt: earliest(objects.map((o) => o.startedAt)),
    endedAt: latest(objects.map((o) => o.endedAt)),
    files: noCounts(),
    bytes: { examined: null, copied: copiedBytes(table, results), failed: null },
    errors: errorLines(jobErrors, logs, results),
    summary,
    objects,
  };
}

export const proxmoxVeParser = {
  name: 'proxmox-ve',
  tool: 'Proxmox VE (vzdump)',
  description: 'Proxmox VE vzdump backup mails (notification system and legacy): one object per guest from the Details table, errors from the guest logs',
  recognises(n: Notification): boolean {
    try {
      if (SUBJECT_LOOSE.test(n.subject)) return true;
      if (hasTableHeader(n.text) || JOB_START.test(n.text.slice(0, 200_000))) return true;
      return HTML_HEADER.test(n.html.slice(0, 50_000)) && /Filename/i.test(n.html.slice(0, 50_000));
    } catch {
      return false;
    }
  },
  parse(n: Notification): ThirdPartyReport | null {
    try {
      return read(n);
    } catch {
      return null;
    }
  },
} satisfies ThirdPartyParser;
