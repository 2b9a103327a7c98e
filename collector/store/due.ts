/**
 * Which announced next run a job is waiting for. Every result and heartbeat announces the job's
 * next run; simply keeping the newest announcement would hide a lost report: the heartbeat sent
 * after a missed 01:15 run announces tomorrow's 01:15, and the job would never look overdue.
 *
 * The rule: an announcement replaces the awaited due time when it was made before that time came
 * (the schedule may have changed; the newer word wins), or when it comes with a run that started
 * at or after the due time (the awaited run reported). An announcement made after the due time
 * passed, without that run, leaves the due time standing: the run is overdue.
 */
export interface Due {
  /** The awaited next run (ms), or null when none was announced (a job without a schedule). */
  nextRunAt: number | null;
  /** sentAt (ms) of the message that announced it. */
  announcedAt: number;
}

/** A run that started this much before the due time still counts as the run that was due (see the status engine). */
export const EARLY_START_TOLERANCE_MS = 30_000;

/** The due time after an announcement; `runStartedAt` when the announcement came with a run report. */
export function nextDue(current: Due | null, announced: Due, runStartedAt?: number): Due {
  if (current === null) return announced;
  if (current.nextRunAt === null) return announced.announcedAt >= current.announcedAt ? announced : current;
  if (runStartedAt !== undefined && runStartedAt >= current.nextRunAt - EARLY_START_TOLERANCE_MS) {
    return announced.announcedAt >= current.announcedAt || runStartedAt >= current.nextRunAt ? announced : current;
  }
  if (announced.announcedAt >= current.announcedAt && announced.announcedAt < current.nextRunAt) return announced;
  return current;
}
