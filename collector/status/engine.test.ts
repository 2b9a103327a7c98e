import { describe, expect, it } from 'vitest';
import { evaluateStatus } from './engine.ts';
import { TEST_PARAMS, dailyRuns, testFacts, testJob, testMailbox, testRun, testSite } from './testing.ts';
import type { JobFacts, StatusParams } from './types.ts';

const MIN = 60_000;
const at = (iso: string) => new Date(iso);
const plus = (iso: string, minutes: number) => new Date(new Date(iso).getTime() + minutes * MIN);

function jobAt(job: JobFacts, now: Date, params: StatusParams = TEST_PARAMS) {
  const report = evaluateStatus(testFacts({ jobs: [job], sites: [testSite()] }), params, now);
  return report.jobs[0]!;
}

/** A daily 02:30 Berlin job whose last run was on 23 Nov 01:30Z and whose next is due 24 Nov 01:30Z. */
const DUE = '2026-11-24T01:30:00Z';
function dailyJob(statuses: ('ok' | 'warning' | 'failed')[] = ['ok']): JobFacts {
  const runs = dailyRuns(Math.max(statuses.length, 3), '2026-11-23T01:30:00Z', (i) => ({ status: statuses[i] ?? 'ok' }));
  return testJob({ recentRuns: runs, announcedNextRunAt: at(DUE) });
}

describe('job state from the latest run', () => {
  it('is ok when the latest run was ok and the next run is not due yet', () => {
    const s = jobAt(dailyJob(['ok']), at('2026-11-23T09:00:00Z'));
    expect(s.state).toBe('ok');
    expect(s.since).toBeNull();
    expect(s.nextDueAt).toEqual(at(DUE));
  });

  it('is warning when the latest run ended with warnings', () => {
    const s = jobAt(dailyJob(['warning', 'ok']), at('2026-11-23T09:00:00Z'));
    expect(s.state).toBe('warning');
    expect(s.since).toEqual(at('2026-11-23T01:30:00Z'));
  });

  it('is failed since the start of the first failed run of the current streak', () => {
    const s = jobAt(dailyJob(['failed', 'failed', 'failed', 'ok', 'failed']), at('2026-11-23T09:00:00Z'));
    expect(s.state).toBe('failed');
    expect(s.since).toEqual(at('2026-11-21T01:30:00Z'));
    expect(s.reason).toContain('3 runs in a row failed');
  });

  it('measures the age of the last good run from its end', () => {
    const s = jobAt(dailyJob(['failed', 'ok']), at('2026-11-23T09:00:00Z'));
    expect(s.lastGoodRun?.startedAt).toEqual(at('2026-11-22T01:30:00Z'));
    expect(s.lastGoodAgeMs).toBe(at('2026-11-23T09:00:00Z').getTime() - at('2026-11-22T01:40:00Z').getTime());
  });

  it('does not count the latest run as the last good one when it has anomalies', () => {
    const runs = dailyRuns(5, '2026-11-23T01:30:00Z', (i) => (i === 0 ? { filesExamined: 0, filesCopied: 0, bytesExamined: 0 } : {}));
    const s = jobAt(testJob({ recentRuns: runs, announcedNextRunAt: at(DUE) }), at('2026-11-23T09:00:00Z'));
    expect(s.anomalies.map((a) => a.kind)).toEqual(['zero-files']);
    expect(s.lastGoodRun?.startedAt).toEqual(at('2026-11-22T01:30:00Z'));
    expect(s.lastGoodAgeMs).toBe(at('2026-11-23T09:00:00Z').getTime() - at('2026-11-22T01:40:00Z').getTime());
  });

  it('takes the newest earlier warning run, skipping failed ones, as the last good run after an anomalous run', () => {
    const statuses = ['ok', 'failed', 'warning', 'ok', 'ok'] as const;
    const runs = dailyRuns(5, '2026-11-23T01:30:00Z', (i) => ({ status: statuses[i], ...(i === 0 ? { filesExamined: 0, filesCopied: 0, bytesExamined: 0 } : {}) }));
    const s = jobAt(testJob({ recentRuns: runs, lastGoodRun: { ...runs[0]! } }), at('2026-11-23T09:00:00Z'));
    expect(s.lastGoodRun?.startedAt).toEqual(at('2026-11-21T01:30:00Z'));
    expect(s.lastGoodRun?.status).toBe('warning');
  });

  it('has no last good run when an anomalous run is the only successful one in the recent runs', () => {
    const runs = [testRun('2026-11-23T01:30:00Z', { filesExamined: 0, filesCopied: 0, bytesExamined: 0 })];
    const s = jobAt(testJob({ recentRuns: runs }), at('2026-11-23T09:00:00Z'));
    expect(s.anomalies).toHaveLength(1);
    expect(s.lastGoodRun).toBeNull();
    expect(s.lastGoodAgeMs).toBeNull();
  });

  it('passes missing sequence numbers through', () => {
    const s = jobAt({ ...dailyJob(), missingSequences: 2 }, at('2026-11-23T09:00:00Z'));
    expect(s.missingSequences).toBe(2);
  });
});

describe('late and missing', () => {
  it('is not late one minute before the grace after the due time ends', () => {
    expect(jobAt(dailyJob(), plus(DUE, 59)).state).toBe('ok');
    expect(jobAt(dailyJob(), plus(DUE, 60)).state).toBe('ok');
  });

  it('is late once the grace after the due time has passed without a report, since the due time', () => {
    const s = jobAt(dailyJob(), plus(DUE, 61));
    expect(s.state).toBe('late');
    expect(s.since).toEqual(at(DUE));
    expect(s.reason).toContain('due 1 h ago');
  });

  it('is missing once the further grace has passed too', () => {
    expect(jobAt(dailyJob(), plus(DUE, 60 + 12 * 60)).state).toBe('late');
    const s = jobAt(dailyJob(), plus(DUE, 60 + 12 * 60 + 1));
    expect(s.state).toBe('missing');
    expect(s.since).toEqual(at(DUE));
  });

  it('waits one and a half times the usual run time of a long job before calling it late', () => {
    const long = (i: number) => ({ endedAt: new Date(Date.parse('2026-11-23T01:30:00Z') - i * 86_400_000 + 3 * 60 * MIN) });
    const job = testJob({ recentRuns: dailyRuns(5, '2026-11-23T01:30:00Z', long), announcedNextRunAt: at(DUE) });
    expect(jobAt(job, plus(DUE, 3 * 60 + 30)).state).toBe('ok');
    expect(jobAt(job, plus(DUE, 4 * 60 + 31)).state).toBe('late');
  });

  it('says in the reason of a late job that its last run had failed', () => {
    const s = jobAt(dailyJob(['failed']), plus(DUE, 120));
    expect(s.state).toBe('late');
    expect(s.reason).toContain('the last run failed');
  });

  it('is not late when a run started at the due time, even if the announcement is not yet updated', () => {
    const job = dailyJob();
    job.recentRuns = [testRun(DUE), ...job.recentRuns];
    expect(jobAt(job, plus(DUE, 300)).state).toBe('ok');
  });

  it('counts a run that started a few seconds before the due time as the run that was due', () => {
    const job = dailyJob();
    job.recentRuns = [testRun(new Date(at(DUE).getTime() - 5_000)), ...job.recentRuns];
    expect(jobAt(job, plus(DUE, 300)).state).toBe('ok');
  });

  it('never calls a job without an announced next run late', () => {
    const job = { ...dailyJob(), announcedNextRunAt: null, schedule: null };
    const s = jobAt(job, at('2027-01-30T00:00:00Z'));
    expect(s.state).toBe('ok');
    expect(s.nextDueAt).toBeNull();
  });
});

describe('never reported', () => {
  const listed = testJob({ recentRuns: [], announcedNextRunAt: at(DUE) });

  it('is never-reported, not yet overdue, before its first run is due', () => {
    const s = jobAt(listed, at('2026-11-23T09:00:00Z'));
    expect(s.state).toBe('never-reported');
    expect(s.since).toBeNull();
    expect(s.reason).toContain('is due in');
  });

  it('is never-reported and overdue once the first run plus grace has passed', () => {
    const s = jobAt(listed, plus(DUE, 61));
    expect(s.state).toBe('never-reported');
    expect(s.since).toEqual(at(DUE));
    expect(s.reason).toContain('was due 1 h ago');
  });

  it('is never-reported when no run was ever announced', () => {
    const s = jobAt(testJob({ recentRuns: [], announcedNextRunAt: null }), at(DUE));
    expect(s.state).toBe('never-reported');
    expect(s.reason).toContain('no run announced');
  });
});

describe('sort order', () => {
  it('sorts jobs by client, site and job', () => {
    const jobs = [
      testJob({ clientId: 'b', siteId: 'a', jobId: 'a' }),
      testJob({ clientId: 'a', siteId: 'b', jobId: 'a' }),
      testJob({ clientId: 'a', siteId: 'a', jobId: 'z' }),
      testJob({ clientId: 'a', siteId: 'a', jobId: 'b' }),
    ];
    const r = evaluateStatus(testFacts({ jobs }), TEST_PARAMS, at(DUE));
    expect(r.jobs.map((j) => `${j.clientId}/${j.siteId}/${j.jobId}`)).toEqual(['a/a/b', 'a/a/z', 'a/b/a', 'b/a/a']);
  });
});

describe('agent silent', () => {
  const next = '2026-11-23T06:00:00Z';
  const site = testSite({ lastHeartbeatAt: at('2026-11-22T06:00:00Z'), nextHeartbeatAt: at(next), lastSeenAt: at('2026-11-22T06:00:00Z') });
  const siteAt = (s = site, now: Date) => evaluateStatus(testFacts({ sites: [s] }), TEST_PARAMS, now).sites[0]!;

  it('is silent when the announced heartbeat is overdue by more than the grace', () => {
    const s = siteAt(site, plus(next, 121));
    expect(s.agentSilent).toBe(true);
    expect(s.reason).toContain('heartbeat was due 2 h ago');
    expect(s.reason).toContain('last seen 26 h ago');
  });

  it('is not silent while the heartbeat is late but within the grace', () => {
    expect(siteAt(site, plus(next, 119)).agentSilent).toBe(false);
  });

  it('is silent when nothing was ever heard from a site that should send heartbeats', () => {
    const s = siteAt(testSite(), at(next));
    expect(s.agentSilent).toBe(true);
    expect(s.reason).toContain('never');
  });

  it('expects a heartbeat a day after the last one when none was announced', () => {
    const s = testSite({ lastHeartbeatAt: at('2026-11-22T06:00:00Z'), lastSeenAt: at('2026-11-22T06:00:00Z') });
    expect(siteAt(s, plus(next, 119)).agentSilent).toBe(false);
    expect(siteAt(s, plus(next, 121)).agentSilent).toBe(true);
  });

  it('is never silent for a site that sends no heartbeats', () => {
    expect(siteAt(testSite({ heartbeatExpected: false }), at('2027-01-01T00:00:00Z')).agentSilent).toBe(false);
  });

  it('reports the median clock drift of the site runs in minutes, agent ahead positive', () => {
    const runs = [0, 1, 2].map((i) =>
      testRun(plus('2026-11-20T01:30:00Z', i * 1440), { sentAt: plus('2026-11-20T02:00:00Z', i * 1440 + 12), receivedAt: plus('2026-11-20T02:00:00Z', i * 1440) }),
    );
    runs.push(testRun('2026-11-19T01:30:00Z', { sentAt: at('2026-11-19T02:00:00Z'), receivedAt: at('2026-11-19T05:00:00Z') }));
    const job = testJob({ recentRuns: runs });
    const other = testJob({ siteId: 's2', recentRuns: [testRun('2026-11-20T01:30:00Z', { sentAt: at('2026-11-20T01:00:00Z'), receivedAt: at('2026-11-20T02:00:00Z') })] });
    const r = evaluateStatus(testFacts({ jobs: [job, other], sites: [testSite(), testSite({ siteId: 's2' })] }), TEST_PARAMS, at(next));
    expect(r.sites.find((s) => s.siteId === 's1')?.clockDriftMinutes).toBe(12);
    expect(r.sites.find((s) => s.siteId === 's2')?.clockDriftMinutes).toBe(-60);
  });

  it('reports no clock drift for a site without runs', () => {
    expect(siteAt(site, at(next)).clockDriftMinutes).toBeNull();
  });
});

describe('monitoring blind', () => {
  const now = at('2026-11-23T09:00:00Z');
  const report = (m: ReturnType<typeof testMailbox>) => evaluateStatus(testFacts({ mailboxes: [m] }), TEST_PARAMS, now);

  it('is not blind when the last good poll is recent and the last error older', () => {
    const r = report(testMailbox({ lastGoodPollAt: plus('2026-11-23T09:00:00Z', -5), lastError: 'timeout', lastErrorAt: at('2026-11-22T09:00:00Z') }));
    expect(r.mailboxes[0]!.blind).toBe(false);
    expect(r.monitoringBlind).toBe(false);
  });

  it('is blind when the last good poll is older than the limit', () => {
    const r = report(testMailbox({ lastGoodPollAt: plus('2026-11-23T09:00:00Z', -31) }));
    expect(r.mailboxes[0]!.blind).toBe(true);
    expect(r.monitoringBlind).toBe(true);
  });

  it('is blind when an error came after the last good poll, however recent', () => {
    const r = report(
      testMailbox({ lastGoodPollAt: plus('2026-11-23T09:00:00Z', -2), lastError: 'AUTHENTICATIONFAILED', lastErrorAt: plus('2026-11-23T09:00:00Z', -1) }),
    );
    expect(r.mailboxes[0]).toMatchObject({ blind: true, lastError: 'AUTHENTICATIONFAILED' });
    expect(r.monitoringBlind).toBe(true);
  });

  it('is blind when a mailbox was never read successfully', () => {
    expect(report(testMailbox()).monitoringBlind).toBe(true);
  });

  it('is blind when any one of several mailboxes is', () => {
    const good = testMailbox({ name: 'maildir:local', lastGoodPollAt: now });
    const r = evaluateStatus(testFacts({ mailboxes: [good, testMailbox()] }), TEST_PARAMS, now);
    expect(r.mailboxes.map((m) => [m.name, m.blind])).toEqual([
      ['imap:office', true],
      ['maildir:local', false],
    ]);
    expect(r.monitoringBlind).toBe(true);
  });
});
