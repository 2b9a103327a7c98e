import { detectAnomalies, isSuccessful, type RunCounts } from '../../status/anomalies.ts';
import type { StatusParams } from '../../status/types.ts';

/**
 * Which runs were good backups, by the rule the status engine applies to the last good backup
 * (collector/status/jobs.ts, lastGoodOf): a run that ended ok or with warnings, unless the
 * anomaly checks question it (a copy of an emptied source "succeeds" with 0 files). The engine
 * checks the latest run only; a month has many "latest runs", so each run is checked the way
 * `collector history` flags it: detectAnomalies over the run and the `window` runs before it
 * (recentRunsFor, the window the engine reads). No second definition of "good" lives here.
 *
 * `runs` is newest first; returns one flag per run, in the same order. The oldest `window - 1`
 * runs have a shorter baseline than the engine would have had: callers pass runs from before
 * the month as well, so that the month's own runs have theirs.
 */
export function goodFlags(runs: readonly RunCounts[], params: StatusParams, window: number): boolean[] {
  return runs.map((r, i) => isSuccessful(r) && detectAnomalies(runs.slice(i, i + window), params).length === 0);
}
