import type { JobState, JobStatus, MailboxStatus, RunFacts, SiteStatus, StatusReport } from '../status/types.ts';

let runs = 0;

/** A finished run at 01:00-01:10 on 24 Nov 2026 with the given status. */
export function runOf(status: RunFacts['status'], over: Partial<RunFacts> = {}): RunFacts {
  runs++;
  const startedAt = new Date('2026-11-24T01:00:00Z');
  const endedAt = new Date('2026-11-24T01:10:00Z');
  return {
    runId: `run-${runs}`, sequence: runs, startedAt, endedAt, receivedAt: endedAt, sentAt: endedAt, status,
    filesExamined: 1000, filesCopied: 20, filesFailed: 0, bytesExamined: 5e9, bytesCopied: 4e7, verificationMismatches: 0,
    firstError: status === 'failed' ? 'disk full' : null, ...over,
  };
}

/**
 * A JobStatus for alert tests: client acme, site fs1, job nightly, with the given state and, as
 * the engine gives them, a latest run (ok, warning, failed; an older ok run for missing) and the
 * last good run (the latest run when it is ok or warning).
 */
export function jobStatus(state: JobState, over: Partial<JobStatus> = {}): JobStatus {
  const lastRun = state === 'never-reported' ? null : runOf(state === 'warning' || state === 'failed' ? state : 'ok');
  const lastGoodRun = lastRun && lastRun.status !== 'failed' ? lastRun : null;
  return {
    clientId: 'acme',
    siteId: 'fs1',
    jobId: 'nightly',
    jobName: 'Nightly',
    state,
    reason: state === 'ok' ? 'last run ok, 5 hours ago' : state === 'failed' ? 'last run failed: disk full' : `state ${state}`,
    since: state === 'ok' || state === 'warning' ? null : new Date('2026-11-24T01:00:00Z'),
    lastRun,
    lastGoodRun,
    lastGoodAgeMs: lastGoodRun ? 6 * 3_600_000 : null,
    nextDueAt: null,
    anomalies: [],
    missingSequences: 0,
    source: 'agent',
    dueFrom: null,
    ...over,
  };
}

/** An ok run that examined 0 files: the engine's state is ok, but it is not a good backup. */
export function zeroFileJob(over: Partial<JobStatus> = {}): JobStatus {
  const lastRun = runOf('ok', { filesExamined: 0, filesCopied: 0, bytesExamined: 0, bytesCopied: 0, startedAt: new Date('2026-11-24T03:00:00Z') });
  return jobStatus('ok', {
    lastRun, lastGoodRun: null, lastGoodAgeMs: null, reason: 'last run ok, 4 hours ago',
    anomalies: [{ kind: 'zero-files', message: 'examined 0 files where recent runs examined a median of 1,000: is the source empty or not mounted?' }],
    ...over,
  });
}

/** A site status; silent since its heartbeat was due at 24 Nov 04:00 when `silent`. */
export function siteStatus(silent: boolean, over: Partial<SiteStatus> = {}): SiteStatus {
  return {
    siteId: 'fs1', clientId: 'acme', agentSilent: silent,
    reason: silent ? 'heartbeat was due 3 hours ago; last seen 1 day ago' : null,
    heartbeatDueAt: silent ? new Date('2026-11-24T04:00:00Z') : null,
    lastSeenAt: new Date('2026-11-23T04:00:00Z'), clockDriftMinutes: null, ...over,
  };
}

/** A mailbox status, blind since its last good read at 24 Nov 06:00 when `blind`. */
export function mailboxStatus(blind: boolean, over: Partial<MailboxStatus> = {}): MailboxStatus {
  return { name: 'main', blind, lastGoodPollAt: new Date('2026-11-24T06:00:00Z'), lastError: blind ? 'connect ECONNREFUSED 127.0.0.1:1143' : null, ...over };
}

/** A StatusReport holding just these jobs (and sites and mailboxes). */
export function reportOf(jobs: JobStatus[], at = new Date('2026-11-24T07:00:00Z'), more: { sites?: SiteStatus[]; mailboxes?: MailboxStatus[] } = {}): StatusReport {
  const mailboxes = more.mailboxes ?? [];
  return { generatedAt: at, jobs, sites: more.sites ?? [], mailboxes, monitoringBlind: mailboxes.some((m) => m.blind), quarantinedCount: 0 };
}
