import { describe, expect, it } from 'vitest';
import { cronError, nextRunAt, nextRuns } from './schedule.ts';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('next run times', () => {
  it('evaluates a schedule in the site zone, not UTC', () => {
    expect(nextRunAt('30 2 * * *', 'Europe/Berlin', new Date('2026-11-23T12:00:00Z')).toISOString()).toBe('2026-11-24T01:30:00.000Z');
    expect(nextRunAt('30 2 * * *', 'Asia/Tokyo', new Date('2026-11-23T12:00:00Z')).toISOString()).toBe('2026-11-23T17:30:00.000Z');
  });

  it('runs a 02:30 job once, an hour later, on the night clocks spring forward', () => {
    // 2026-03-29 02:30 does not exist in Berlin: the run moves to 03:30 CEST (01:30Z).
    expect(iso(nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z'), 3))).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('runs a 02:30 job once, not twice, in the repeated hour in autumn', () => {
    expect(iso(nextRuns('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'), 3))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('accepts six fields with seconds first', () => {
    expect(iso(nextRuns('*/1 * * * * *', 'UTC', new Date('2026-03-07T12:00:00.500Z'), 2))).toEqual(['2026-03-07T12:00:01.000Z', '2026-03-07T12:00:02.000Z']);
  });
});

describe('cron validation', () => {
  it.each([
    ['0 2 * * *', undefined],
    ['0 0 2 * * 1-5', undefined],
    ['61 2 * * *', /Constraint error/],
    ['0 2 * *', /has 4 fields/],
    ['0 0 2 * * * 2026', /has 7 fields/],
    ['nightly', /has 1 field$/],
  ])('%s', (expr, expected) => {
    const err = cronError(expr);
    if (expected === undefined) expect(err).toBeUndefined();
    else expect(err).toMatch(expected);
  });
});
