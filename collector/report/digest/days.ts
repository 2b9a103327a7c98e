import { assertTimeZone } from '../../../core/time.ts';

/**
 * Calendar days in a reader's zone. The digest's strips have one cell per LOCAL day of the
 * consultant, so a run at 00:30 in Berlin belongs to that Berlin day, not to the UTC one; the
 * day boundaries are computed once per report (15 instants) and runs are bucketed by binary
 * search, which keeps 270,000 runs cheap.
 */
export interface DayWindow {
  /** YYYY-MM-DD */
  date: string;
  /** "Tue 24 Nov" */
  label: string;
  /** Local midnight at the start and end of the day, ms since the epoch. */
  start: number;
  end: number;
}

const DAY = 86_400_000;
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Milliseconds the zone's wall clock is ahead of UTC at instant `t`. */
function offsetAt(t: number, zone: string): number {
  let f = offsetFormatters.get(zone);
  if (!f) {
    assertTimeZone('timeZone', zone);
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    offsetFormatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!);
  return wall - Math.floor(t / 1000) * 1000;
}

/** The instant of local midnight starting `date` (YYYY-MM-DD) in `zone`. */
export function localMidnight(date: string, zone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  let t = guess - offsetAt(guess, zone);
  t = guess - offsetAt(t, zone);
  return t;
}

/** `date` moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Tue 24 Nov" for a calendar date (no zone involved: the date is already local). */
export function dayLabel(date: string, withYear = false): string {
  const d = new Date(`${date}T00:00:00Z`);
  const base = `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return withYear ? `${base} ${d.getUTCFullYear()}` : base;
}

/** True when `s` is a real calendar date written YYYY-MM-DD. */
export function isCalendarDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/** The `count` local days ending with `lastDate` (inclusive), oldest first. */
export function dayWindows(lastDate: string, count: number, zone: string): DayWindow[] {
  const out: DayWindow[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const date = addDays(lastDate, -i);
    out.push({ date, label: dayLabel(date), start: localMidnight(date, zone), end: localMidnight(addDays(date, 1), zone) });
  }
  return out;
}

/** Index of the window holding instant `t`, or -1 (binary search over sorted windows). */
export function windowIndex(windows: readonly DayWindow[], t: number): number {
  let lo = 0;
  let hi = windows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const w = windows[mid]!;
    if (t < w.start) hi = mid - 1;
    else if (t >= w.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}
