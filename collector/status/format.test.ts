import { describe, expect, it } from 'vitest';
import { evaluateStatus } from './engine.ts';
import { formatStatusTable, statusToJson } from './format.ts';
import { TEST_PARAMS, dailyRuns, testFacts, testJob, testMailbox, testRun, testSite } from './testing.ts';

const now = new Date('2026-11-23T09:00:00Z'); // 10:00 in Berlin
const facts = testFacts({
  jobs: [
    testJob({ recentRuns: dailyRuns(3, '2026-11-23T01:31:00Z'), announcedNextRunAt: new Date('2026-11-24T01:30:00Z') }),
    testJob({
      clientId: 'bakery',
      siteId: 'shop-pc',
      jobId: 'accounting-db',
      recentRuns: dailyRuns(3, '2026-11-23T03:00:00Z', (i) => (i < 2 ? { status: 'failed', firstError: 'disk full' } : {})),
      announcedNextRunAt: new Date('2026-11-24T03:00:00Z'),
    }),
    testJob({ clientId: 'c1', siteId: 's1', jobId: 'new-job', recentRuns: [], announcedNextRunAt: new Date('2026-11-24T01:00:00Z') }),
  ],
  sites: [
    testSite({ lastHeartbeatAt: new Date('2026-11-23T06:00:00Z'), nextHeartbeatAt: new Date('2026-11-24T06:00:00Z'), lastSeenAt: now }),
    testSite({ siteId: 'shop-pc', clientId: 'bakery', lastHeartbeatAt: new Date('2026-11-21T06:00:00Z'), nextHeartbeatAt: new Date('2026-11-22T06:00:00Z'), lastSeenAt: new Date('2026-11-21T06:00:00Z') }),
  ],
  mailboxes: [
    testMailbox({ name: 'imap:office', lastGoodPollAt: new Date('2026-11-23T04:00:00Z'), lastError: 'connect ECONNREFUSED 10.0.0.5:993', lastErrorAt: new Date('2026-11-23T08:55:00Z') }),
    testMailbox({ name: 'maildir:local', lastGoodPollAt: new Date('2026-11-23T08:58:00Z') }),
  ],
  quarantinedCount: 2,
});
const report = evaluateStatus(facts, TEST_PARAMS, now);
const table = formatStatusTable(report, { now, timeZone: 'Europe/Berlin' });
const lines = table.split('\n');

describe('the status table', () => {
  it('has a header and one line per job, sorted by client, site and job', () => {
    expect(lines[0]).toMatch(/^CLIENT\s+SITE\s+JOB\s+STATE\s+LAST RUN\s+LAST GOOD\s+NEXT DUE\s+NOTE$/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/).slice(0, 3).join('/'))).toEqual(['bakery/shop-pc/accounting-db', 'c1/s1/files', 'c1/s1/new-job']);
  });

  it('aligns every column under its header', () => {
    for (const col of ['SITE', 'JOB', 'STATE', 'LAST RUN', 'LAST GOOD', 'NEXT DUE']) {
      const x = lines[0]!.indexOf(col);
      for (const l of lines.slice(1, 4)) {
        expect(l[x - 1], `${col} in "${l}"`).toBe(' ');
        expect(l[x - 2], `${col} in "${l}"`).toBe(' ');
        expect(l[x], `${col} in "${l}"`).not.toBe(' ');
      }
    }
  });

  it('shows the state as an upper-case word, with the reason in the note', () => {
    expect(lines[1]).toContain(' FAILED ');
    expect(lines[1]).toContain('2 runs in a row failed, for 30 h');
    expect(lines[1]).toContain('disk full');
    expect(lines[2]).toContain(' OK ');
    expect(lines[3]).toContain(' NEW ');
  });

  it('shows ANOMALY, as the digest does, for a job whose last run was ok but examined no files', () => {
    const empty = testJob({ recentRuns: dailyRuns(5, '2026-11-23T01:31:00Z', (i) => (i === 0 ? { filesExamined: 0, filesCopied: 0, bytesExamined: 0, bytesCopied: 0 } : {})) });
    const r = evaluateStatus(testFacts({ jobs: [empty], sites: [testSite({ heartbeatExpected: false })] }), TEST_PARAMS, now);
    expect(r.jobs[0]!.state).toBe('ok');
    const [, row] = formatStatusTable(r, { now, timeZone: 'UTC' }).split('\n');
    expect(row).toMatch(/^c1\s+s1\s+files\s+ANOMALY\s+.*anomaly: examined 0 files/);
    expect(statusToJson(r).jobs[0]).toMatchObject({ state: 'ok', category: 'anomaly' });
  });

  it('gives the age of the last good run the table shows, rounded: three nights ago is 3 days, also across a DST change', () => {
    // Started exactly three days before now (it ran for 40 min); and one that started at the
    // same local time three nights before 29 Mar in Berlin, when the clocks went forward (71 h).
    const t = (started: string, at: Date) =>
      formatStatusTable(evaluateStatus(testFacts({ jobs: [testJob({ recentRuns: [testRun(started, { endedAt: new Date(Date.parse(started) + 40 * 60_000) })] })], sites: [testSite({ heartbeatExpected: false })] }), TEST_PARAMS, at), { now: at, timeZone: 'Europe/Berlin' });
    expect(t('2026-11-20T09:00:00Z', now)).toContain('Fri 20 Nov 10:00 (3 days ago)');
    expect(t('2026-11-20T08:30:00Z', now)).toContain('Fri 20 Nov 09:30 (3 days ago)');
    expect(t('2026-03-26T03:00:00Z', new Date('2026-03-29T02:00:00Z'))).toContain('Thu 26 Mar 04:00 (3 days ago)');
    expect(t('2026-11-21T09:00:00Z', new Date('2026-11-23T19:00:00Z'))).toContain('(2 days ago)'); // 2 days 10 h
  });

  it('shows times in the given zone with the age of the last good run', () => {
    expect(lines[2]).toContain('Mon 23 Nov 02:31'); // 01:31Z in Berlin
    expect(lines[2]).toContain('Mon 23 Nov 02:31 (7 h ago)');
    expect(lines[2]).toContain('Tue 24 Nov 02:30');
    expect(lines[1]).toContain('Sat 21 Nov 04:00 (2 days ago)');
    const ny = formatStatusTable(report, { now, timeZone: 'America/New_York' });
    expect(ny).toContain('Sun 22 Nov 20:31');
  });

  it('adds the year to times outside the current year', () => {
    const old = testJob({ recentRuns: [testRun('2025-12-30T12:00:00Z')] });
    const t = formatStatusTable(evaluateStatus(testFacts({ jobs: [old] }), TEST_PARAMS, now), { now, timeZone: 'Europe/Berlin' });
    expect(t).toContain('Tue 30 Dec 2025 13:00');
  });

  it('has a line for a blind mailbox with the age of its last good poll and its error', () => {
    expect(lines).toContain('MONITORING BLIND: imap:office last good poll 5 h ago: connect ECONNREFUSED 10.0.0.5:993');
    expect(table).not.toContain('maildir:local');
  });

  it('has lines for a silent agent and for quarantined messages', () => {
    expect(table).toMatch(/^AGENT SILENT: bakery\/shop-pc: heartbeat was due 27 h ago; last seen 2 days ago$/m);
    expect(table).toMatch(/^QUARANTINE: 2 messages held/m);
  });

  it('shows clock drift of five minutes or more only', () => {
    const drifting = (minutes: number) =>
      testJob({ recentRuns: [testRun('2026-11-23T01:30:00Z', { sentAt: new Date('2026-11-23T02:00:00Z'), receivedAt: new Date(Date.parse('2026-11-23T02:00:00Z') - minutes * 60_000) })] });
    const t = (m: number) => formatStatusTable(evaluateStatus(testFacts({ jobs: [drifting(m)], sites: [testSite({ heartbeatExpected: false })] }), TEST_PARAMS, now), { now, timeZone: 'UTC' });
    expect(t(12)).toContain("CLOCK: c1/s1: the agent's clock is about 12 min ahead");
    expect(t(4)).not.toContain('CLOCK');
  });

  it('says so when there are no jobs yet', () => {
    expect(formatStatusTable(evaluateStatus(testFacts(), TEST_PARAMS, now), { now, timeZone: 'UTC' })).toBe('No jobs have been heard of yet.\n');
  });

  it('refuses an unknown zone with a config error', () => {
    expect(() => formatStatusTable(report, { now, timeZone: 'Europe/Atlantis' })).toThrow(/Europe\/Atlantis/);
  });
});

describe('the status as JSON', () => {
  it('turns every date into an ISO string and survives a JSON round trip unchanged', () => {
    const json = statusToJson(report);
    expect(json.generatedAt).toBe('2026-11-23T09:00:00.000Z');
    expect(json.jobs[0]!.since).toBe('2026-11-22T03:00:00.000Z');
    expect(json.jobs[0]!.lastRun?.startedAt).toBe('2026-11-23T03:00:00.000Z');
    expect(json.monitoringBlind).toBe(true);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
