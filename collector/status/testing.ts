import type { JobFacts, MailboxFacts, RunRecord, SiteFacts, StatusFacts, StatusParams } from './types.ts';

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

type TimeKey = 'startedAt' | 'endedAt' | 'receivedAt' | 'sentAt';

/** Changes to a test run; its times as Dates (as reports show them) or as ms. */
export type RunOverrides = Partial<Omit<RunRecord, TimeKey>> & { [K in TimeKey]?: Date | number };

/** A run that took 10 minutes, sent at its end and received a minute later. */
export function testRun(startedAt: string | Date, over: RunOverrides = {}): RunRecord {
  const start = new Date(startedAt).getTime();
  const end = start + 10 * 60_000;
  counter++;
  const { startedAt: s, endedAt: e, receivedAt: r, sentAt: t, ...rest } = over;
  return {
    runId: `run-${counter}`,
    sequence: counter,
    startedAt: ms(s) ?? start,
    endedAt: ms(e) ?? end,
    receivedAt: ms(r) ?? end + 60_000,
    sentAt: ms(t) ?? end,
    status: 'ok',
    filesExamined: 1000,
    filesCopied: 20,
    filesFailed: 0,
    bytesExamined: 5_000_000_000,
    bytesCopied: 40_000_000,
    verificationMismatches: 0,
    firstError: null,
    ...rest,
  };
}

const ms = (d: Date | number | undefined) => (d === undefined ? undefined : typeof d === 'number' ? d : d.getTime());

/**
 * Daily runs, newest first, the newest starting at `newestStart`; `over(i)` changes run i
 * (0 = newest).
 */
export function dailyRuns(n: number, newestStart: string, over: (i: number) => RunOverrides = () => ({})): RunRecord[] {
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
    firstSeenAt: new Date(runs[runs.length - 1]?.startedAt ?? '2026-11-01T00:00:00Z'),
    missingSequences: 0,
    source: 'agent',
    dueFrom: null,
    lateAfterMinutes: null,
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
