import type { JobStatus } from './types.ts';

/**
 * What the status table, history, digest and client summary say about where a job's facts come
 * from: a third-party result is unsigned (accepted by a sender rule, not a signature), and a
 * learned due time is a guess. Empty for a signed agent job with an announced schedule.
 */
export function provenanceNotes(j: Pick<JobStatus, 'source' | 'dueFrom'>): string[] {
  const out: string[] = [];
  if (j.source === 'third-party') out.push('unsigned: from the tool\'s own notification email');
  if (j.dueFrom === 'learned') out.push('next due guessed from the usual interval');
  return out;
}
