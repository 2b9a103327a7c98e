import { describe, expect, it } from 'vitest';
import { backupAt } from './request.ts';

const now = new Date('2026-12-04T09:00:00Z');

describe('collector request --at', () => {
  it('takes a day as the end of that day in the consultant zone, so the newest backup of that day is restored', () => {
    expect(backupAt('2026-12-03', 'Europe/Berlin', now)).toBe('2026-12-03T22:59:59.999Z');
    expect(backupAt('2026-07-03', 'Europe/Berlin', now)).toBe('2026-07-03T21:59:59.999Z');
    expect(backupAt('yesterday', 'America/New_York', now)).toBe('2026-12-04T04:59:59.999Z');
    expect(backupAt('today', 'UTC', now)).toBe('2026-12-04T23:59:59.999Z');
  });

  it('passes a run id and an ISO time on as they are meant', () => {
    expect(backupAt('0B5E1C3A-7D2F-4E8A-9C61-2F4B8D0E6A17', 'UTC', now)).toBe('0b5e1c3a-7d2f-4e8a-9c61-2f4b8d0e6a17');
    expect(backupAt('2026-12-03T18:00:00+01:00', 'UTC', now)).toBe('2026-12-03T17:00:00.000Z');
  });

  it('refuses anything else, naming what it takes', () => {
    expect(() => backupAt('last week', 'UTC', now)).toThrow('--at: "last week" is not a run id, a day (YYYY-MM-DD, today, yesterday) or an ISO 8601 time');
    expect(() => backupAt('2026-02-30', 'UTC', now)).toThrow('is not a calendar day');
  });
});
