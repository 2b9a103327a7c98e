import { describe, expect, it } from 'vitest';
import { isSynError } from '../../../core/errors.ts';
import { localDate } from '../../../core/time.ts';
import { jobFigures, percentOf, type JobMonthInput, type MonthRun } from './figures.ts';
import { addMonths, chooseMonth, monthWindow } from './month.ts';
import { occurrencesIn } from './occurrences.ts';
import { spanWords } from './words.ts';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const run = (iso: string, status: MonthRun['status'], good = status !== 'failed'): MonthRun => ({
  runId: iso, startedAt: at(iso), endedAt: at(iso) + 0.5 * H, status, good, firstError: status === 'failed' ? 'disk full' : null,
});
const utcMonth = monthWindow('2026-11', 'UTC');
const base = (over: Partial<JobMonthInput>): JobMonthInput => ({
  runs: [], lastGoodBefore: null, lastBefore: null, schedule: null, knownFrom: at('2026-01-01T00:00:00Z'),
  window: { start: utcMonth.start, end: utcMonth.end }, now: at('2026-12-05T00:00:00Z'), graceMs: 5 * H, dayOf: (ms) => localDate(ms, 'UTC'), ...over,
});

describe('jobFigures', () => {
  it('counts a job without a schedule by days with a run, good when one run that day was good', () => {
    const f = jobFigures(base({
      runs: [run('2026-11-03T22:00:00Z', 'failed'), run('2026-11-03T23:00:00Z', 'ok'), run('2026-11-10T22:00:00Z', 'failed'), run('2026-11-17T22:00:00Z', 'warning')],
    }));
    expect([f.basis, f.expected, f.good, f.failed, f.missed, f.warnings, f.percent]).toEqual(['days', 3, 2, 1, 0, 1, 66.6]);
  });

  it('does not count scheduled runs from before the job was first heard of', () => {
    const schedule = occurrencesIn('0 1 * * *', 'UTC', utcMonth.start, utcMonth.end);
    const f = jobFigures(base({ schedule, knownFrom: at('2026-11-21T12:00:00Z'), runs: [run('2026-11-22T01:00:00Z', 'ok')] }));
    // 22 to 30 November: 9 runs expected, one ran.
    expect([f.expected, f.good, f.missed]).toEqual([9, 1, 8]);
  });

  it('marks a failure that was already going on at the start of the month, and ends it at the next good run', () => {
    const schedule = occurrencesIn('0 1 * * *', 'UTC', utcMonth.start, at('2026-11-04T00:00:00Z'));
    const f = jobFigures(base({
      schedule, window: { start: utcMonth.start, end: at('2026-11-04T00:00:00Z') }, now: at('2026-11-04T00:00:00Z'),
      lastBefore: { good: false }, lastGoodBefore: { endedAt: at('2026-10-29T01:30:00Z') },
      runs: [run('2026-11-01T01:00:00Z', 'failed'), run('2026-11-03T01:00:00Z', 'ok')],
    }));
    expect(f.failures).toEqual([{ start: at('2026-11-01T01:00:00Z'), end: at('2026-11-03T01:30:00Z'), ongoing: false, failed: 1, anomalous: 0, missed: 1, carriedOver: true, firstError: 'disk full' }]);
    expect(f.longestGap).toEqual({ from: at('2026-10-29T01:30:00Z'), to: at('2026-11-03T01:30:00Z'), ms: 5 * 24 * H, fromBeforeMonth: true });
  });

  it('rounds the share down, so one bad run in a thousand is never shown as 100%', () => {
    expect(percentOf(999, 1000)).toBe(99.9);
    expect(percentOf(1999, 2000)).toBe(99.9);
    expect(percentOf(2, 3)).toBe(66.6);
    expect(percentOf(0, 0)).toBeNull();
  });
});

describe('scheduled runs of a month', () => {
  it('counts the repeated autumn hour once, as node-schedule fires it once', () => {
    const october = monthWindow('2026-10', 'Europe/Berlin');
    const o = occurrencesIn('30 2 * * *', 'Europe/Berlin', october.start, october.end);
    expect(o.occurrences).toHaveLength(31);
    expect(new Date(o.occurrences[24]!).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(o.next!).toISOString()).toBe('2026-11-01T01:30:00.000Z');
  });

  it('moves a start in the spring gap an hour later instead of losing it', () => {
    const march = monthWindow('2026-03', 'Europe/Berlin');
    const o = occurrencesIn('30 2 * * *', 'Europe/Berlin', march.start, march.end);
    expect(o.occurrences).toHaveLength(31);
    expect(new Date(o.occurrences[28]!).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('refuses a schedule that cannot be read, naming it', () => {
    let err: unknown;
    try {
      occurrencesIn('every night', 'UTC', utcMonth.start, utcMonth.end);
    } catch (e) {
      err = e;
    }
    expect(isSynError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('schedule "every night" is not a valid cron expression');
  });
});

describe('months', () => {
  it('starts a month at local midnight of the reader and defaults to the last complete one', () => {
    expect(new Date(monthWindow('2026-11', 'Europe/Berlin').start).toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(new Date(monthWindow('2026-11', 'Europe/Berlin').end).toISOString()).toBe('2026-11-30T23:00:00.000Z');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(chooseMonth(undefined, new Date('2026-12-01T00:30:00Z'), 'Europe/Berlin')).toBe('2026-11');
    // Still 30 November in New York: the last complete month is October.
    expect(chooseMonth(undefined, new Date('2026-12-01T00:30:00Z'), 'America/New_York')).toBe('2026-10');
  });

  it('says how long in days, hours and minutes', () => {
    expect(spanWords(59_000)).toBe('under 1 min');
    expect(spanWords(25 * H + 60_000)).toBe('1 day 1 h 1 min');
    expect(spanWords(48 * H)).toBe('2 days');
  });
});
