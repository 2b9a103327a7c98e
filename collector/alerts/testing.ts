import type { JobState, JobStatus, StatusReport } from '../status/types.ts';

/** A JobStatus for alert tests: client acme, site fs1, job nightly, with the given state. */
export function jobStatus(state: JobState, over: Partial<JobStatus> = {}): JobStatus {
  return {
    clientId: 'acme',
    siteId: 'fs1',
    jobId: 'nightly',
    jobName: 'Nightly',
    state,
    reason: state === 'ok' ? 'last run ok, 5 hours ago' : state === 'failed' ? 'last run failed: disk full' : `state ${state}`,
    since: state === 'ok' || state === 'warning' ? null : new Date('2026-11-24T01:00:00Z'),
    lastRun: null,
    lastGoodRun: null,
    lastGoodAgeMs: null,
    nextDueAt: null,
    anomalies: [],
    missingSequences: 0,
    source: 'agent',
    dueFrom: null,
    ...over,
  };
}

/** A StatusReport holding just these jobs. */
export function reportOf(jobs: JobStatus[], at = new Date('2026-11-24T07:00:00Z')): StatusReport {
  return { generatedAt: at, jobs, sites: [], mailboxes: [], monitoringBlind: false, quarantinedCount: 0 };
}
