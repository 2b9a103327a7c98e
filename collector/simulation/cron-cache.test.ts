import { describe, expect, it } from 'vitest';
import { nextRunAfter } from '../status/schedule.ts';
import { CronCache } from './cron-cache.ts';

describe('CronCache', () => {
  it('answers as cron-parser does every 97 minutes, and every 5 in the repeated hour, across the European and US DST changes', () => {
    const cache = new CronCache();
    const cases: [string, string][] = [['30 2 * * *', 'Europe/Berlin'], ['15 1 * * *', 'America/New_York'], ['0 4 * * 6', 'Asia/Tokyo'], ['0 8 * * *', 'Europe/London']];
    let checked = 0;
    const check = (cron: string, zone: string, t: number) => {
      expect(cache.next(cron, zone, new Date(t))?.toISOString(), `${cron} ${zone} ${new Date(t).toISOString()}`).toBe(nextRunAfter(cron, zone, new Date(t))?.toISOString());
      checked++;
    };
    for (let t = Date.parse('2026-10-23T00:00:00Z'); t < Date.parse('2026-11-03T00:00:00Z'); t += 97 * 60_000) for (const [c, z] of cases) check(c, z, t);
    // The repeated hour itself, every 5 minutes: from inside it cron-parser names the second 02:30.
    for (let t = Date.parse('2026-10-24T23:00:00Z'); t < Date.parse('2026-10-25T03:00:00Z'); t += 5 * 60_000) check('30 2 * * *', 'Europe/Berlin', t);
    expect(checked).toBeGreaterThan(200);
  });

  it('gives one start per local date on the night 02:30 happens twice', () => {
    const starts = new CronCache().occurrences('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T00:00:00Z'), new Date('2026-10-27T00:00:00Z'));
    expect(starts.map((d) => d.toISOString())).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });
});
