import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseAt } from './at.ts';
import { confirmAtTerminal } from './messages.ts';
import { checkTarget, normalisePaths } from './target.ts';

const now = new Date('2026-12-04T10:00:00Z');
const time = (t: string, zone = 'Europe/Berlin') => {
  const a = parseAt(t, zone, now);
  if (!a || !('time' in a)) throw new Error(`not a time: ${t}`);
  return a.time.toISOString();
};

describe('--at, read in the site time zone', () => {
  it('takes yesterday, today and a date as the end of that day at the site', () => {
    expect(time('yesterday')).toBe('2026-12-03T22:59:59.999Z');
    expect(time('today')).toBe('2026-12-04T22:59:59.999Z');
    expect(time('2026-12-01')).toBe('2026-12-01T22:59:59.999Z');
    expect(time('yesterday', 'America/New_York')).toBe('2026-12-04T04:59:59.999Z');
    // Late in the evening in New York it is already the next day in UTC: "yesterday" is still the local one.
    expect(parseAt('yesterday', 'America/New_York', new Date('2026-12-05T03:00:00Z'))).toEqual({ time: new Date('2026-12-04T04:59:59.999Z'), text: 'yesterday' });
  });

  it('takes a local time in the zone, across a DST change, and an ISO time with an offset as it is', () => {
    expect(time('2026-07-01 18:00')).toBe('2026-07-01T16:00:00.000Z');
    expect(time('2026-12-01T18:00:30')).toBe('2026-12-01T17:00:30.000Z');
    expect(time('2026-03-29')).toBe('2026-03-29T21:59:59.999Z'); // the day DST starts ends at +02:00
    expect(time('2026-12-01T18:00:00+05:00')).toBe('2026-12-01T13:00:00.000Z');
  });

  it('takes a run id as a run id, nothing as the newest, and refuses anything else naming what it accepts', () => {
    expect(parseAt('6F1C2E7A-1B2C-4D3E-8F90-0123456789AB', 'UTC', now)).toEqual({ runId: '6f1c2e7a-1b2c-4d3e-8f90-0123456789ab' });
    expect(parseAt(undefined, 'UTC', now)).toBeNull();
    expect(() => parseAt('2026-13-45x', 'UTC', now)).toThrow(/--at "2026-13-45x": expected a run id, "yesterday", "today", a date/);
    expect(() => parseAt('2026-02-30', 'UTC', now)).toThrow('--at "2026-02-30": expected');
    expect(() => parseAt('2026-02-03 25:00', 'UTC', now)).toThrow('--at "2026-02-03 25:00": expected');
  });
});

describe('restore targets and paths', () => {
  it('accepts the source itself only in place, and refuses in-place restores to any other folder', () => {
    const folders = { sources: ['/srv/data'], backups: ['/mnt/backup'] };
    expect(checkTarget('/srv/data', folders, true)).toBe('/srv/data');
    expect(() => checkTarget('/srv/other', folders, true)).toThrow('--in-place restores over the job\'s source, but --to /srv/other is not it (source: /srv/data)');
    expect(() => checkTarget('/mnt/backup/restore', folders, false)).toThrow('--to /mnt/backup/restore overlaps the backup itself (/mnt/backup): restore somewhere else');
  });

  it('reads --path relative to the backup root and refuses ".." and empty paths', () => {
    expect(normalisePaths(['/Invoices/2026/', './a.txt', 'Docs\\Letters'])).toEqual(['Invoices/2026', 'a.txt', 'Docs/Letters']);
    expect(() => normalisePaths(['../etc'])).toThrow('--path "../etc": expected a path inside the backup');
    expect(() => normalisePaths(['/'])).toThrow('--path "/"');
  });

  it('goes on with an in-place restore only when the job id is typed exactly at the terminal', async () => {
    const ask = async (typed: string) => {
      const input = new PassThrough();
      const output = new PassThrough();
      const answer = confirmAtTerminal(input, output, 'docs', '/srv/data');
      input.end(`${typed}\n`);
      return answer;
    };
    expect(await ask('docs')).toBe(true);
    expect(await ask('yes')).toBe(false);
  });
});
