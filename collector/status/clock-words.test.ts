import { describe, expect, it } from 'vitest';
import { localTimeWords } from './clock-words.ts';

/** The same words straight from Intl, with no cache: the reference. */
function reference(d: Date, timeZone: string): string {
  const p: Record<string, string> = {};
  const f = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (const x of f.formatToParts(d)) p[x.type] = x.value;
  return `${p.weekday} ${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute}`;
}

describe('local time words', () => {
  it('match Intl minute by minute across DST changes, in zones with odd offsets too', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC'];
    const farNow = new Date('2000-06-01T00:00:00Z'); // another year: the words then carry the year
    const windows = ['2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z', '2026-03-08T06:00:00Z', '2026-11-01T05:00:00Z', '2026-04-05T14:00:00Z', '2026-10-04T15:00:00Z'];
    let checked = 0;
    for (const tz of zones) {
      for (const w of windows) {
        for (let m = 0; m < 4 * 60; m += 7) {
          const d = new Date(Date.parse(w) + m * 60_000 + 13_000);
          expect(localTimeWords(d, tz, farNow), `${d.toISOString()} in ${tz}`).toBe(reference(d, tz));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('leave out the year of the current year in the reader zone', () => {
    expect(localTimeWords(new Date('2026-11-23T01:31:00Z'), 'Europe/Berlin', new Date('2026-11-23T09:00:00Z'))).toBe('Mon 23 Nov 02:31');
    // 31 Dec 23:30 UTC is already 1 January in Berlin, and "now" is in that new year there.
    expect(localTimeWords(new Date('2026-12-31T23:30:00Z'), 'Europe/Berlin', new Date('2026-12-31T23:45:00Z'))).toBe('Fri 1 Jan 00:30');
  });
});
