import type { RunStatus } from '../../../core/result/schema.ts';
import type { ReportObject } from '../types.ts';

/**
 * What one reader (wbadmin console output, or Microsoft-Windows-Backup events) found in a mail.
 * `verdict` is null when the text has no result at all (started, cut off, only an "operation has
 * completed" event): the parser then reports failed, since nothing says the backup worked.
 */
export interface Reading {
  operation: string;
  verdict: RunStatus | null;
  startedAt: Date | null;
  endedAt: Date | null;
  host: string | null;
  /** Lines that say what went wrong, most important first. */
  errors: string[];
  warnings: string[];
  objects: ReportObject[];
  /** What happened, without the status prefix ("volume (C:) backed up"). */
  summary: string;
}

/** The lines of a text, trimmed, CRLF or bare CR alike. */
export function linesOf(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((l) => l.trim());
}

/** A value fit for the report's short string fields. */
export function clip(s: string, max = 2000): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
