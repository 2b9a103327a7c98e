import type { JobStatus } from './types.ts';

/**
 * True when the job's latest run is a good backup by the rule that makes LAST GOOD
 * (evaluateJob's lastGoodRun): a run that ended ok or with warnings and shows no anomaly. A run
 * that "succeeded" with 0 files, a sudden size drop, a frozen size or files that did not verify
 * is not one, so it can never end an incident (alerts announce a recovery only on such a run).
 * A job that is late or missing is not good either, whatever its last run was.
 */
export function latestRunIsGood(j: JobStatus): boolean {
  if (j.state !== 'ok' && j.state !== 'warning') return false;
  return j.lastRun !== null && j.lastGoodRun !== null && j.lastGoodRun.runId === j.lastRun.runId;
}
