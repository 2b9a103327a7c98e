import { describe, expect, it } from 'vitest';
import { formatInZone } from './time.ts';

describe('formatInZone', () => {
  it('shows a UTC instant in the site zone with its offset', () => {
    expect(formatInZone(new Date('2026-11-23T01:30:00Z'), 'Europe/Berlin')).toBe('2026-11-23 02:30 (Europe/Berlin, +01:00)');
  });

  it('follows daylight saving time', () => {
    expect(formatInZone(new Date('2026-07-01T00:30:00Z'), 'Europe/Berlin')).toBe('2026-07-01 02:30 (Europe/Berlin, +02:00)');
    expect(formatInZone(new Date('2026-03-29T00:59:00Z'), 'Europe/Berlin')).toBe('2026-03-29 01:59 (Europe/Berlin, +01:00)');
    expect(formatInZone(new Date('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe('2026-03-29 03:00 (Europe/Berlin, +02:00)');
  });

  it('shows the local date, which may differ from the UTC date', () => {
    expect(formatInZone(new Date('2026-11-23T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-24 00:30 (Europe/Berlin, +01:00)');
    expect(formatInZone(new Date('2026-11-23T02:00:00Z'), 'America/New_York')).toBe('2026-11-22 21:00 (America/New_York, -05:00)');
  });

  it('writes offset zero and half hours as numbers', () => {
    expect(formatInZone(new Date('2026-11-23T01:30:00Z'), 'UTC')).toBe('2026-11-23 01:30 (UTC, +00:00)');
    expect(formatInZone(new Date('2026-11-23T01:30:00Z'), 'Asia/Kolkata')).toBe('2026-11-23 07:00 (Asia/Kolkata, +05:30)');
  });
});
