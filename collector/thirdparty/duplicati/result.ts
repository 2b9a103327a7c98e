import { formatBytes } from '../../../core/units.ts';
import type { RunStatus } from '../../../core/result/schema.ts';

/**
 * What one Duplicati report says, whichever format it came in (text or JSON). Null where the
 * report says nothing. Counts and sizes are Duplicati's own (`ExaminedFiles`, `SizeOfAddedFiles`).
 */
export interface DuplicatiResult {
  format: 'text' | 'json';
  /** `ParsedResult` as written: Success, Warning, Error, Fatal (or something unknown). */
  parsedResult: string | null;
  /** `MainOperation`: Backup, Compact, Test, Repair ... */
  operation: string | null;
  /** Backup name the report itself carries (JSON Extra["backup-name"], the HTTP body's heading). */
  job: string | null;
  host: string | null;
  begin: string | null;
  end: string | null;
  examinedFiles: number | null;
  addedFiles: number | null;
  modifiedFiles: number | null;
  deletedFiles: number | null;
  filesWithError: number | null;
  sizeOfExaminedFiles: number | null;
  sizeOfAddedFiles: number | null;
  sizeOfModifiedFiles: number | null;
  /** The `Failed: ...` line (text) or the Exception's message (JSON): the run threw. */
  failure: string | null;
  /**
   * The result's own Errors/Warnings lists and the error/warning lines of its log. The counts are
   * the result's own (`ErrorsActualLength`, or the length of its Errors list), not the log's.
   */
  errors: string[];
  warnings: string[];
  errorCount: number | null;
  warningCount: number | null;
  partial: boolean;
  interrupted: boolean;
  dryrun: boolean;
}

export function emptyResult(format: DuplicatiResult['format']): DuplicatiResult {
  return {
    format, parsedResult: null, operation: null, job: null, host: null, begin: null, end: null,
    examinedFiles: null, addedFiles: null, modifiedFiles: null, deletedFiles: null, filesWithError: null,
    sizeOfExaminedFiles: null, sizeOfAddedFiles: null, sizeOfModifiedFiles: null,
    failure: null, errors: [], warnings: [], errorCount: null, warningCount: null, partial: false, interrupted: false, dryrun: false,
  };
}

/**
 * The status a result earns. Duplicati's ParsedResult is the verdict, but it says Success over
 * a non-empty Warnings list or files it could not read (duplicati#2257), so those make it a warning;
 * a run that threw (`Failed:`), Error, Fatal, an unknown word or no verdict at all is failed.
 */
export function statusOf(r: DuplicatiResult): RunStatus {
  if (r.failure) return 'failed';
  const verdict = (r.parsedResult ?? '').toLowerCase();
  if (verdict === 'warning') return 'warning';
  if (verdict !== 'success') return 'failed';
  if ((r.errorCount ?? 0) > 0) return 'failed';
  const warned = (r.warningCount ?? 0) > 0 || r.warnings.length > 0 || r.errors.length > 0 || (r.filesWithError ?? 0) > 0 || r.partial || r.interrupted;
  return warned ? 'warning' : 'ok';
}

const sum = (...xs: (number | null)[]): number | null => (xs.every((x) => x === null) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0));

export const copiedFiles = (r: DuplicatiResult): number | null => sum(r.addedFiles, r.modifiedFiles);
export const copiedBytes = (r: DuplicatiResult): number | null => sum(r.sizeOfAddedFiles, r.sizeOfModifiedFiles);

/** One line: "Backup Success: 43,840 files (182 GB) examined, 1 added, 30 modified, 0 deleted". */
export function summaryOf(r: DuplicatiResult, operation: string): string {
  const op = operation.charAt(0).toUpperCase() + operation.slice(1);
  if (r.failure) return `${op} failed: ${r.failure}`.slice(0, 1000);
  const parts: string[] = [];
  if (r.examinedFiles !== null) parts.push(`${r.examinedFiles.toLocaleString('en-US')} file${r.examinedFiles === 1 ? '' : 's'}${r.sizeOfExaminedFiles !== null ? ` (${formatBytes(r.sizeOfExaminedFiles)})` : ''} examined`);
  if (r.addedFiles !== null) parts.push(`${r.addedFiles.toLocaleString('en-US')} added`);
  if (r.modifiedFiles !== null) parts.push(`${r.modifiedFiles.toLocaleString('en-US')} modified`);
  if (r.deletedFiles !== null) parts.push(`${r.deletedFiles.toLocaleString('en-US')} deleted`);
  if (r.filesWithError) parts.push(`${r.filesWithError.toLocaleString('en-US')} with errors`);
  const warnings = r.warningCount ?? r.warnings.length;
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  const errors = r.errorCount ?? r.errors.length;
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (r.dryrun) parts.push('dry run');
  const verdict = r.parsedResult ?? 'no result (report cut off?)';
  return `${op} ${verdict}${parts.length ? `: ${parts.join(', ')}` : ''}`.slice(0, 1000);
}
