import { describe, expect, it } from 'vitest';
import { isSynError } from '../../core/errors.ts';
import { nextRunAfter } from './schedule.ts';

const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('nextRunAfter, as an agent computes its next start', () => {
  it('gives the next 02:30 in Berlin in UTC on an ordinary winter night', () => {
    expect(iso(nextRunAfter('30 2 * * *', 'Europe/Berlin', new Date('2026-11-23T02:00:00Z')))).toBe('2026-11-24T01:30:00.000Z');
  });

  it('moves 02:30 to 03:30 CEST on the night Berlin springs forward, and back to 02:30 the next night', () => {
    const first = nextRunAfter('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T01:30:00Z'));
    expect(iso(first)).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST: 02:30 does not exist that night
    expect(iso(nextRunAfter('30 2 * * *', 'Europe/Berlin', first!))).toBe('2026-03-30T00:30:00.000Z'); // 02:30 CEST
  });

  it('fires 02:30 once, at the first occurrence, on the night Berlin falls back', () => {
    const first = nextRunAfter('30 2 * * *', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z'));
    expect(iso(first)).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    expect(iso(nextRunAfter('30 2 * * *', 'Europe/Berlin', first!))).toBe('2026-10-26T01:30:00.000Z'); // next day, 02:30 CET
  });

  it('gives the second 02:30 when asked from inside the repeated hour (why agents count from the start)', () => {
    expect(iso(nextRunAfter('30 2 * * *', 'Europe/Berlin', new Date('2026-10-25T01:05:00Z')))).toBe('2026-10-25T01:30:00.000Z'); // 02:05 CET
  });

  it('fires an hourly job in both repeated hours', () => {
    const a = nextRunAfter('30 * * * *', 'Europe/Berlin', new Date('2026-10-25T00:00:00Z'));
    const b = nextRunAfter('30 * * * *', 'Europe/Berlin', a!);
    expect([iso(a), iso(b)]).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
  });

  it('follows New York DST, a week after Europe', () => {
    expect(iso(nextRunAfter('30 1 * * *', 'America/New_York', new Date('2026-10-28T00:00:00Z')))).toBe('2026-10-28T05:30:00.000Z'); // EDT
    expect(iso(nextRunAfter('30 1 * * *', 'America/New_York', new Date('2026-11-10T00:00:00Z')))).toBe('2026-11-10T06:30:00.000Z'); // EST
  });

  it('refuses an unknown time zone with a config error', () => {
    expect(() => nextRunAfter('30 2 * * *', 'Mars/Olympus', new Date())).toThrow(/Mars\/Olympus/);
    try {
      nextRunAfter('30 2 * * *', 'Mars/Olympus', new Date());
    } catch (e) {
      expect(isSynError(e, 'CONFIG_INVALID')).toBe(true);
    }
  });

  it('refuses an expression that is not cron with a config error naming it', () => {
    expect(() => nextRunAfter('every day', 'UTC', new Date())).toThrow(/"every day"/);
  });
});
