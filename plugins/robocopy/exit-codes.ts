import type { RunStatus } from '../../core/result/schema.ts';

/**
 * Robocopy's exit code is a bit field (Microsoft, "Return codes used by the Robocopy utility"):
 *
 * | bit | value | meaning                                              | our status |
 * |-----|-------|------------------------------------------------------|------------|
 * |     | 0     | nothing to copy, source and destination in sync      | ok         |
 * | 0   | 1     | files were copied                                    | ok         |
 * | 1   | 2     | extra files or directories at the destination        | ok         |
 * | 2   | 4     | mismatched files or directories (same name, other type) | warning |
 * | 3   | 8     | some files or directories could not be copied        | failed     |
 * | 4   | 16    | fatal error: nothing was copied (bad parameters, no access) | failed |
 *
 * So 0 to 3 are ok, 4 to 7 a warning, 8 and above a failure. A negative code, a code above 31 or
 * a missing one (killed) is not something robocopy documents, hence failed.
 */
export interface ExitVerdict {
  status: RunStatus;
  /** Why the status is not ok; empty when it is. */
  reason: string;
}

export function statusFromExitCode(code: number): ExitVerdict {
  if (!Number.isInteger(code) || code < 0 || code > 31) {
    return { status: 'failed', reason: `robocopy exit code ${code} is not one robocopy documents` };
  }
  if (code & 16) return { status: 'failed', reason: `robocopy reported a fatal error and copied nothing (exit code ${code})` };
  if (code & 8) return { status: 'failed', reason: `some files or directories could not be copied (exit code ${code})` };
  if (code & 4) return { status: 'warning', reason: `mismatched files or directories were found (exit code ${code})` };
  return { status: 'ok', reason: '' };
}

const RANK: Record<RunStatus, number> = { ok: 0, warning: 1, failed: 2 };

/** The worse of two statuses. */
export function worst(a: RunStatus, b: RunStatus): RunStatus {
  return RANK[a] >= RANK[b] ? a : b;
}
