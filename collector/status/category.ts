import type { JobStatus } from './types.ts';

/**
 * The one word a job is shown under everywhere a person reads it: the status table, its JSON,
 * the digest and the client summary. It is the engine's state with two refinements. A job never
 * heard of whose first run is overdue is `missing` (a report that did not arrive is an alarm,
 * principle 1); one not yet due is `new`. An ok job with an anomaly (zero files, a size drop ...)
 * is `anomaly`, so the counts add up to the number of jobs.
 */
export type Category = 'failed' | 'missing' | 'late' | 'warning' | 'anomaly' | 'new' | 'ok';

/** Worst first: the order of the subject, the counts and the attention list. */
export const CATEGORY_ORDER: readonly Category[] = ['failed', 'missing', 'late', 'warning', 'anomaly', 'new', 'ok'];

export function categoryOf(j: JobStatus): Category {
  if (j.state === 'never-reported') return j.since ? 'missing' : 'new';
  if (j.state === 'ok') return j.anomalies.length > 0 ? 'anomaly' : 'ok';
  return j.state;
}

/** True when the job needs someone's attention: anything but `ok` and `new`. */
export function needsAttention(j: JobStatus): boolean {
  const c = categoryOf(j);
  return c !== 'ok' && c !== 'new';
}

/** The category in capitals, as tables and the digest show it ("ANOMALY"). */
export function categoryLabel(c: Category): string {
  return c.toUpperCase();
}
