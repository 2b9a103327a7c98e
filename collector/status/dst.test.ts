import { describe, expect, it } from 'vitest';
import { evaluateStatus } from './engine.ts';
import { formatStatusTable } from './format.ts';
import { nextRunAfter } from './schedule.ts';
import { TEST_PARAMS, testFacts, testJob, testRun, testSite } from './testing.ts';
import type { JobFacts, RunRecord } from './types.ts';

const MIN = 60_000;
const plus = (d: Date, minutes: number) => new Date(d.getTime() + minutes * MIN);

/** What an agent in `tz` reports after a run that started at `start`: the run and its announced next start. */
function agentJob(cron: string, tz: string, starts: Date[], over: Partial<JobFacts> = {}): JobFacts {
  const runs: RunRecord[] = starts.map((s) => testRun(s)).reverse();
  const newest = starts[starts.length - 1]!;
  return testJob({ schedule: cron, recentRuns: runs, announcedNextRunAt: nextRunAfter(cron, tz, newest), ...over });
}

function stateAt(job: JobFacts, tz: string, now: Date) {
  return evaluateStatus(testFacts({ jobs: [job], sites: [testSite({ agentTimeZone: tz })] }), TEST_PARAMS, now).jobs[0]!;
}

describe('a 02:30 Berlin job on the night clocks spring forward (29 March 2026)', () => {
  const cron = '30 2 * * *';
  const saturday = new Date('2026-03-28T01:30:00Z'); // 02:30 CET
  const due = nextRunAfter(cron, 'Europe/Berlin', saturday)!; // 03:30 CEST: 02:30 does not exist

  it('is expected at 03:30 CEST, the instant 02:30 CET would have been', () => {
    expect(due.toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('is not late within the grace after 03:30 CEST, though 02:30 on the wall clock has long passed', () => {
    expect(stateAt(agentJob(cron, 'Europe/Berlin', [saturday]), 'Europe/Berlin', plus(due, 59)).state).toBe('ok');
  });

  it('is flagged late, then missing, when that run never reports', () => {
    const job = agentJob(cron, 'Europe/Berlin', [saturday]);
    expect(stateAt(job, 'Europe/Berlin', plus(due, 61)).state).toBe('late');
    expect(stateAt(job, 'Europe/Berlin', plus(due, 60 + 12 * 60 + 1)).state).toBe('missing');
  });

  it('is ok after the shifted run reports, and due again at 02:30 CEST the next night', () => {
    const job = agentJob(cron, 'Europe/Berlin', [saturday, due]);
    const s = stateAt(job, 'Europe/Berlin', new Date('2026-03-29T20:00:00Z'));
    expect(s.state).toBe('ok');
    expect(s.nextDueAt?.toISOString()).toBe('2026-03-30T00:30:00.000Z');
  });
});

describe('a 02:30 Berlin job in the repeated hour in autumn (25 October 2026)', () => {
  const cron = '30 2 * * *';
  const firstHalfPastTwo = new Date('2026-10-25T00:30:00Z'); // 02:30 CEST
  const secondHalfPastTwo = new Date('2026-10-25T01:30:00Z'); // 02:30 CET

  it('is not late at the second 02:30 after running at the first', () => {
    const job = agentJob(cron, 'Europe/Berlin', [new Date('2026-10-24T00:30:00Z'), firstHalfPastTwo]);
    expect(job.announcedNextRunAt?.toISOString()).toBe('2026-10-26T01:30:00.000Z');
    expect(stateAt(job, 'Europe/Berlin', plus(secondHalfPastTwo, 61)).state).toBe('ok');
  });

  it('is not late at the second 02:30 even when the agent computed its next start from the end of a long run', () => {
    // A 35-minute run ending at 02:05 CET: cron-parser then says "the second 02:30", which
    // node-schedule never fires. The engine checks the schedule before calling the job late.
    const announced = nextRunAfter(cron, 'Europe/Berlin', new Date('2026-10-25T01:05:00Z'));
    expect(announced).toEqual(secondHalfPastTwo);
    const job = agentJob(cron, 'Europe/Berlin', [firstHalfPastTwo], { announcedNextRunAt: announced });
    const s = stateAt(job, 'Europe/Berlin', plus(secondHalfPastTwo, 120));
    expect(s.state).toBe('ok');
    expect(s.nextDueAt?.toISOString()).toBe('2026-10-26T01:30:00.000Z');
    expect(stateAt(job, 'Europe/Berlin', new Date('2026-10-26T02:31:00Z')).state).toBe('late');
  });

  it('is late when an hourly job, which runs in both repeated hours, misses the second 02:30', () => {
    const hourly = '30 * * * *';
    const job = agentJob(hourly, 'Europe/Berlin', [firstHalfPastTwo]);
    expect(job.announcedNextRunAt).toEqual(secondHalfPastTwo);
    expect(stateAt(job, 'Europe/Berlin', plus(secondHalfPastTwo, 61)).state).toBe('late');
  });
});

describe('a site in New York read by a consultant in Berlin', () => {
  const cron = '30 1 * * *';
  const run = new Date('2026-11-22T06:30:00Z'); // 01:30 EST
  const job = agentJob(cron, 'America/New_York', [run], { clientId: 'acme', siteId: 'nyc', jobId: 'nas' });
  const facts = testFacts({ jobs: [job], sites: [testSite({ siteId: 'nyc', clientId: 'acme', agentTimeZone: 'America/New_York' })] });

  it('computes late in absolute time, whatever the zones', () => {
    const due = new Date('2026-11-23T06:30:00Z');
    expect(job.announcedNextRunAt).toEqual(due);
    expect(evaluateStatus(facts, TEST_PARAMS, plus(due, 60)).jobs[0]!.state).toBe('ok');
    expect(evaluateStatus(facts, TEST_PARAMS, plus(due, 61)).jobs[0]!.state).toBe('late');
  });

  it('shows times in the consultant zone, not the site zone', () => {
    const now = new Date('2026-11-23T08:00:00Z');
    const table = formatStatusTable(evaluateStatus(facts, TEST_PARAMS, now), { now, timeZone: 'Europe/Berlin' });
    const line = table.split('\n').find((l) => l.startsWith('acme'))!;
    expect(line).toContain('Sun 22 Nov 07:30'); // last run: 01:30 EST = 07:30 CET
    expect(line).toContain('Mon 23 Nov 07:30'); // next due
    expect(line).toContain('LATE');
  });

  it('uses each zone own DST dates: in the week between the European and the US change, 01:30 New York is 06:30 Berlin', () => {
    const oct = agentJob(cron, 'America/New_York', [new Date('2026-10-27T05:30:00Z')], { clientId: 'acme', siteId: 'nyc', jobId: 'nas' });
    const now = new Date('2026-10-27T12:00:00Z');
    const table = formatStatusTable(evaluateStatus(testFacts({ jobs: [oct] }), TEST_PARAMS, now), { now, timeZone: 'Europe/Berlin' });
    expect(table).toContain('Tue 27 Oct 06:30'); // 01:30 EDT = 05:30Z = 06:30 CET
    expect(table).toContain('Wed 28 Oct 06:30');
  });
});

describe('the schedule check behind the announced due time', () => {
  it('trusts an announced start later than the schedule gives (the agent may skip a run on purpose)', () => {
    const hourly = '30 * * * *';
    const announced = new Date('2026-11-23T03:30:00Z'); // the schedule alone would say 02:30
    const job = agentJob(hourly, 'Europe/Berlin', [new Date('2026-11-23T01:30:00Z')], { announcedNextRunAt: announced });
    const s = stateAt(job, 'Europe/Berlin', plus(announced, 61));
    expect(s).toMatchObject({ state: 'late', since: announced, nextDueAt: announced });
  });
});
