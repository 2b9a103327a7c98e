/**
 * Bacula's and Bareos's report times. The director prints them with strftime
 * `%d-%b-%Y %H:%M:%S` in its own local time and locale, without a zone: `14-Sep-2022 14:26:30`,
 * a Chinese locale `19-5月-2019 00:22:34`, a French one `21-mai-2025 17:15:54`. Some setups
 * print ISO `2022-09-14 14:26:30`. The mail goes out the moment the job ends, so the zone is
 * taken from the mail's Date header (offsetFromMailDate).
 */

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const MAX_OFFSET = 14 * 60 * MINUTE;

/** `%b` in the locales directors are seen running in (English first), lower case, dots dropped. */
const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
  // de
  mär: 3, mrz: 3, mai: 5, okt: 10, dez: 12,
  // fr
  janv: 1, févr: 2, fév: 2, fev: 2, mars: 3, avr: 4, juin: 6, juil: 7, août: 8, aoû: 8, sept: 9, déc: 12,
  // es, it, nl
  ene: 1, abr: 4, ago: 8, dic: 12, gen: 1, mag: 5, giu: 6, lug: 7, set: 9, ott: 10, mrt: 3, mei: 5,
};

function monthOf(token: string): number | null {
  const t = token.toLowerCase().replace(/\.$/, '');
  const cjk = /^(\d{1,2})月$/.exec(t); // zh_CN, ja_JP: 5月
  if (cjk) return Number(cjk[1]);
  if (/^\d{1,2}$/.test(t)) return Number(t);
  return MONTHS[t] ?? MONTHS[t.slice(0, 4)] ?? MONTHS[t.slice(0, 3)] ?? null;
}

/** A report time as if it were UTC (ms), or null when it is not one of the forms above. */
export function naiveReportTime(value: string): number | null {
  const v = value.trim();
  let year: number, month: number | null, day: number;
  let rest: RegExpExecArray | null;
  const dmy = /^(\d{1,2})-([^\s-]{1,8})-(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(v);
  const iso = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(v);
  if (dmy) [day, month, year, rest] = [Number(dmy[1]), monthOf(dmy[2]!), Number(dmy[3]), dmy];
  else if (iso) [year, month, day, rest] = [Number(iso[1]), Number(iso[2]), Number(iso[3]), iso];
  else return null;
  const hour = Number(rest[4]), minute = Number(rest[5]), second = Number(rest[6] ?? '0');
  if (!month || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || year < 1970 || year > 2200) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : null;
}

/**
 * The offset (ms to add to a naive local time) that puts the job's end just before the mail was
 * sent, in whole quarter hours, allowing two minutes of clock skew. Null without a mail date or
 * when no real zone fits (the mail was held back for hours, or the clock is wrong).
 */
export function offsetFromMailDate(naiveEnd: number, mailDate: Date | null): number | null {
  if (!mailDate || Number.isNaN(mailDate.getTime())) return null;
  const offset = Math.floor((mailDate.getTime() - naiveEnd + 2 * MINUTE) / QUARTER) * QUARTER;
  return Math.abs(offset) <= MAX_OFFSET ? offset : null;
}

/** Start and end of a job, placed in the zone the Date header implies; null where unreadable. */
export function jobTimes(start: string | null, end: string | null, mailDate: Date | null): { startedAt: Date | null; endedAt: Date | null } {
  const naiveStart = start ? naiveReportTime(start) : null;
  const naiveEnd = end ? naiveReportTime(end) : null;
  // Only the end lies next to the sending time; a start alone cannot place the zone.
  const offset = naiveEnd === null ? null : offsetFromMailDate(naiveEnd, mailDate);
  if (offset === null) return { startedAt: null, endedAt: null };
  return { startedAt: naiveStart === null ? null : new Date(naiveStart + offset), endedAt: new Date(naiveEnd! + offset) };
}
