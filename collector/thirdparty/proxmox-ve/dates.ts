/**
 * vzdump's log times are the node's local wall-clock time without a zone:
 * `2025-05-23 11:59:21` (PVE 4 and later), `Jul 12 12:00:01` (older logs, no year). The mail is
 * sent right after the job ends, so the zone is the one that puts the last log time just before
 * the mail's Date header (zones are whole quarter hours; two minutes of clock skew allowed).
 */

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const MAX_OFFSET = 14 * 60 * MINUTE;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function utcChecked(year: number, month: number, day: number, h: number, mi: number, s: number): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 59 || year < 1970 || year > 2200) return null;
  const ms = Date.UTC(year, month - 1, day, h, mi, s);
  return new Date(ms).getUTCDate() === day ? ms : null;
}

/**
 * A log time as if it were UTC (ms), or null. The year of a `Jul 12 12:00:01` time is the mail's
 * (the year before, when that would put it after the mail); without a mail date it is unknown.
 */
export function naiveLogTime(text: string, mailDate: Date | null): number | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (iso) {
    const [, y, mo, d, h, mi, s] = iso.map(Number) as number[];
    return utcChecked(y!, mo!, d!, h!, mi!, s!);
  }
  const syslog = /^([A-Za-z]{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!syslog || !mailDate) return null;
  const month = MONTHS.indexOf(syslog[1]!.toLowerCase()) + 1;
  const [d, h, mi, s] = syslog.slice(2).map(Number) as number[];
  const year = mailDate.getUTCFullYear();
  const t = utcChecked(year, month, d!, h!, mi!, s!);
  if (t !== null && t > mailDate.getTime() + 2 * 24 * 60 * MINUTE) return utcChecked(year - 1, month, d!, h!, mi!, s!);
  return t;
}

/** The offset (ms to add to a naive time) that puts `naiveLast` just before the mail date, or null. */
export function offsetFromMailDate(naiveLast: number, mailDate: Date | null): number | null {
  if (!mailDate || Number.isNaN(mailDate.getTime())) return null;
  const offset = Math.floor((mailDate.getTime() - naiveLast + 2 * MINUTE) / QUARTER) * QUARTER;
  return Math.abs(offset) <= MAX_OFFSET ? offset : null;
}
