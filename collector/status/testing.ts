import type { JobFacts, MailboxFacts, RunFacts, SiteFacts, StatusFacts, StatusParams } from './types.ts';

/**
 * Builders of hand-made status facts for tests (of the engine, the table, the digest): every
 * field has a plain default, a test names only what it is about.
 */
export const TEST_PARAMS: StatusParams = {
  lateAfterMinutes: 60,
  missingAfterMinutes: 12 * 60,
  heartbeatGraceMinutes: 120,
  blindAfterMinutes: 30,
  dropFraction: 0.5,
  sameSizeRuns: 4,
  medianWindow: 7,
};

let counter = 0;

/** A run that took 10 minutes, sent at its end and received a minute later. */
export function testRun(startedAt: string | Date, over: Partial<RunFacts> = {}): RunFacts {
  const start = new Date(startedAt);
  const end = new Date(start.getTime() + 10 * 60_000);
  counter++;
  return {
    runId: `run-${counter}`,
    sequence: counter,
    startedAt: start,
    endedAt: end,
    receivedAt: new Date(end.getTime() + 60_000),
    sentAt: end,
    status: 'ok',
    filesExamined: 1000,
    filesCopied: 20,
    filesFailed: 0,
    bytesExamined: 5_000_000_000,
    bytesCopied: 40_000_000,
    verificationMismatches: 0,
    firstError: null,
    ...over,
  };
}

/**
 * Daily runs, newest first, the newest starting at `newestStart`; `over(i)` changes run i
 * (0 = newest).
 */
export function dailyRuns(n: number, newestStart: string, over: (i: number) => Partial<RunFacts> = () => ({})): RunFacts[] {
  const t = new Date(newestStart).getTime();
  return Array.from({ length: n }, (_, i) => testRun(new Date(t - i * 86_400_000), over(i)));
}

/** A job of client c1, site s1, with the given runs; lastGoodRun derived from them unless given. */
export function testJob(over: Partial<JobFacts> = {}): JobFacts {
  const runs = over.recentRuns ?? [];
  return {
    clientId: 'c1',
    siteId: 's1',
    jobId: 'files',
    jobName: 'File server',
    plugin: 'rsync',
    schedule: '30 2 * * *',
    recentRuns: runs,
    lastGoodRun: runs.find((r) => r.status !== 'failed') ?? null,
    announcedNextRunAt: null,
    firstSeenAt: runs[runs.length - 1]?.startedAt ?? new Date('2026-11-01T00:00:00Z'),
    missingSequences: 0,
    ...over,
  };
}

export function testSite(over: Partial<SiteFacts> = {}): SiteFacts {
  return {
    siteId: 's1',
    clientId: 'c1',
    heartbeatExpected: true,
    lastHeartbeatAt: null,
    nextHeartbeatAt: null,
    lastSeenAt: null,
    agentTimeZone: 'Europe/Berlin',
    ...over,
  };
}

export function testMailbox(over: Partial<MailboxFacts> = {}): MailboxFacts {
  return { name: 'imap:office', lastGoodPollAt: null, lastError: null, lastErrorAt: null, ...over };
}

export function testFacts(over: Partial<StatusFacts> = {}): StatusFacts {
  return { jobs: [], sites: [], mailboxes: [], quarantinedCount: 0, ...over };
}
