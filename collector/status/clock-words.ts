import { assertTimeZone } from '../../core/time.ts';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BUCKET_MS = 15 * 60_000;
const MAX_CACHED = 20_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

/**
 * A wall-clock time in the reader's zone as a status line shows it: "Mon 23 Nov 02:31", with the
 * year added when it is not the year of `now` in that zone ("Tue 30 Dec 2025 13:00").
 */
export function localTimeWords(d: Date, timeZone: string, now: Date): string {
  const local = new Date(d.getTime() + offsetAt(d.getTime(), timeZone));
  const nowYear = new Date(now.getTime() + offsetAt(now.getTime(), timeZone)).getUTCFullYear();
  const year = local.getUTCFullYear() === nowYear ? '' : ` ${local.getUTCFullYear()}`;
  const hh = String(local.getUTCHours()).padStart(2, '0');
  const mm = String(local.getUTCMinutes()).padStart(2, '0');
  return `${WEEKDAYS[local.getUTCDay()]} ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]}${year} ${hh}:${mm}`;
}

/**
 * The zone's offset from UTC at instant `t`, in ms. Intl's formatToParts is slow (a table of
 * 3,000 jobs needs 9,000 times), so offsets are cached per 15-minute slice of UTC time: every
 * offset change of today's zones falls on such a boundary.
 */
function offsetAt(t: number, timeZone: string): number {
  const bucket = Math.floor(t / BUCKET_MS) * BUCKET_MS;
  const key = `${timeZone}|${bucket}`;
  let off = offsets.get(key);
  if (off === undefined) {
    const p: Record<string, number> = {};
    for (const part of formatterFor(timeZone).formatToParts(new Date(bucket))) p[part.type] = Number(part.value);
    off = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - bucket;
    if (offsets.size >= MAX_CACHED) offsets.clear();
    offsets.set(key, off);
  }
  return off;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    assertTimeZone('timeZone', timeZone);
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}
