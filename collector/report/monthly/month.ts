import { SynError } from '../../../core/errors.ts';
import { localDate } from '../../../core/time.ts';
import { localMidnight } from '../digest/days.ts';

/** A calendar month in one reader's zone: "2026-11" from local midnight of the 1st to that of the next 1st. */
export interface MonthWindow {
  /** YYYY-MM */
  month: string;
  /** "November 2026" */
  label: string;
  zone: string;
  start: number;
  end: number;
}

const NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** True when `s` is a month written YYYY-MM. */
export function isMonth(s: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(s);
}

/** The month after (or, with -1, before) `month`. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + n;
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** "November 2026" */
export function monthLabel(month: string): string {
  return `${NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

/** The month in `zone`, from local midnight of its first day to local midnight of the next month's. */
export function monthWindow(month: string, zone: string): MonthWindow {
  return { month, label: monthLabel(month), zone, start: localMidnight(`${month}-01`, zone), end: localMidnight(`${addMonths(month, 1)}-01`, zone) };
}

/** The month of instant `now` in `zone` (YYYY-MM). */
export function monthOf(now: Date, zone: string): string {
  return localDate(now, zone).slice(0, 7);
}

/**
 * The month a `--month` option names: the given one (checked), or by default the last complete
 * month in the reader's zone (on 3 December: November). A month that has not begun is refused.
 */
export function chooseMonth(given: string | undefined, now: Date, zone: string): string {
  const current = monthOf(now, zone);
  if (given === undefined) return addMonths(current, -1);
  if (!isMonth(given)) throw new SynError('USAGE', `--month: "${given}" is not a month; expected YYYY-MM, e.g. ${addMonths(current, -1)}`);
  if (given > current) throw new SynError('USAGE', `--month: ${given} has not begun (this month is ${current} in ${zone})`);
  return given;
}
