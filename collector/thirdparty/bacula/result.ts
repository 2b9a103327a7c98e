import type { RunStatus } from '../../../core/result/schema.ts';
import type { ReportBlock } from './report.ts';

/**
 * What one job report says: the verdict comes from its `Termination:` line alone (the director's
 * own judgement, which weighs the FD and SD results and the job's errors); the FD termination
 * status says nothing about the storage daemon, the catalog or the bootstrap, so a report whose
 * FD says OK and whose Termination says Error is failed.
 */

export interface JobResult {
  /** The job name without the `.2022-09-14_14.26.22_03` suffix Bacula appends to each run. */
  job: string | null;
  /** The client (file daemon) the report names, without quotes and version. */
  client: string | null;
  operation: string;
  status: RunStatus;
  /** `Backup OK`, `Backup Error` ...; null when the report was cut off before its Termination line. */
  termination: string | null;
  level: string | null;
  start: string | null;
  end: string | null;
  filesExamined: number | null;
  filesCopied: number | null;
  bytesCopied: number | null;
  /** Bacula's own rendering of bytesCopied (`6.728 KB`, decimal units). */
  bytesText: string | null;
  /** Problems the report's fields state: `FD termination status: Error`, `SD Errors: 1`. */
  problems: string[];
}

const RUN_SUFFIX = /\.\d{4}-\d{2}-\d{2}_\d{2}[.:]\d{2}[.:]\d{2}_\d+$/;
const OPERATIONS: Record<string, string> = {
  backup: 'backup', restore: 'restore', verify: 'verify', copying: 'copy', copy: 'copy',
  migration: 'migrate', migrate: 'migrate', admin: 'admin', archive: 'archive',
};

/** The job name of a `Job:` value (`BackupClient1.2023-01-01_23.05.00_03` is `BackupClient1`). */
export function jobName(value: string): string {
  const v = value.trim().split(/\s+/)[0] ?? '';
  return v.replace(RUN_SUFFIX, '') || v;
}

/** `1,234,567 (1.234 MB)` as 1234567; Bacula groups thousands with commas whatever the locale. */
function count(value: string | undefined): number | null {
  const m = value ? /^\s*(\d{1,3}(?:[,.' ]\d{3})*|\d+)(?!\d)/.exec(value) : null;
  if (!m) return null;
  const n = Number(m[1]!.replace(/[,.' ]/g, ''));
  return Number.isSafeInteger(n) ? n : null;
}

function clientName(value: string | undefined): string | null {
  if (!value) return null;
  const quoted = /^\s*"([^"]+)"/.exec(value);
  const name = (quoted ? quoted[1]! : value.trim().split(/\s+/)[0] ?? '').trim();
  return name ? name.slice(0, 500) : null;
}

function statusOf(termination: string, problems: readonly string[]): RunStatus {
  if (/\bwith warnings\b/i.test(termination) || /^Verify Differences$/i.test(termination)) return 'warning';
  if (/^\w+ OK$/i.test(termination)) return problems.length ? 'warning' : 'ok';
  return 'failed'; // Error, Fatal Error, Canceled, "Backup failed -- incomplete", anything unknown
}

/** Reads one report block; `operationHint` is the subject's job type when the report has none. */
export function readResult(block: ReportBlock, operationHint: string | null): JobResult {
  const f = block.fields;
  const raw = f.get('Termination');
  const termination = raw === undefined ? null : raw.replace(/^\*+\s*|\s*\*+$/g, '').trim() || raw.trim();
  const word = termination?.split(/\s+/)[0]?.toLowerCase() ?? '';
  const operation = OPERATIONS[word]
    ?? (f.has('Backup Level') ? 'backup' : f.has('Files Restored') || f.has('Restore Client') ? 'restore' : f.has('Verify Level') ? 'verify' : null)
    ?? OPERATIONS[operationHint?.toLowerCase() ?? ''] ?? 'backup';
  const problems: string[] = raw !== undefined && !/^\w+ OK$/i.test(termination!) ? [`Termination: ${raw.trim()}`] : [];
  for (const key of ['FD termination status', 'SD termination status']) {
    const v = f.get(key)?.trim();
    if (v && v !== 'OK') problems.push(`${key}: ${v}`);
  }
  for (const key of ['Non-fatal FD errors', 'FD Errors', 'SD Errors']) {
    const n = count(f.get(key));
    if (n) problems.push(`${key}: ${n}`);
  }
  const bytesField = f.get('FD Bytes Written') ?? f.get('SD Bytes Written') ?? f.get('Bytes Restored');
  return {
    job: f.get('Job') ? jobName(f.get('Job')!) : null,
    client: clientName(f.get('Client') ?? f.get('Restore Client')),
    operation,
    status: termination === null ? 'failed' : statusOf(termination, problems),
    termination,
    level: f.get('Backup Level')?.trim() || f.get('Verify Level')?.trim() || null,
    start: f.get('Start time') ?? null,
    end: f.get('End time') ?? null,
    filesExamined: count(f.get('Files Expected')),
    filesCopied: count(f.get('FD Files Written') ?? f.get('SD Files Written') ?? f.get('Files Restored')),
    bytesCopied: count(bytesField),
    bytesText: bytesField ? (/\(([^)]+)\)/.exec(bytesField)?.[1] ?? null) : null,
    problems,
  };
}
