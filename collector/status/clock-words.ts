import { assertTimeZone } from '../../core/time.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    assertTimeZone('timeZone', timeZone);
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * A wall-clock time in the reader's zone as a status line shows it: "Mon 23 Nov 02:31", with the
 * year added when it is not the year of `now` in that zone ("Sun 30 Nov 2025 02:31").
 */
export function localTimeWords(d: Date, timeZone: string, now: Date): string {
  const p = partsOf(d, timeZone);
  const year = p.year === partsOf(now, timeZone).year ? '' : ` ${p.year}`;
  return `${p.weekday} ${p.day} ${p.month}${year} ${p.hour}:${p.minute}`;
}

function partsOf(d: Date, timeZone: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(d)) out[part.type] = part.value;
  return out;
}
