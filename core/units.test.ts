import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './units.ts';

describe('formatDuration', () => {
  it('says "under 1 s" for a run shorter than half a second, never "0 s" for a run that took time', () => {
    expect(formatDuration(300)).toBe('under 1 s');
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(1_400)).toBe('1 s');
  });

  it('uses minutes, hours and days as a run gets longer', () => {
    expect(formatDuration(30 * 60_000)).toBe('30 min 0 s');
    expect(formatDuration(26 * 3_600_000 + 5 * 60_000)).toBe('26 h 5 min');
    expect(formatDuration(3 * 86_400_000)).toBe('3 days');
  });
});

describe('formatBytes', () => {
  it('gives bytes in the unit a person reads', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(5e9)).toMatch(/GB$/);
  });
});
