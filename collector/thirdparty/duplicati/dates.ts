/**
 * Duplicati's times. The text report prints `time.ToLocalTime()` in the machine's culture and,
 * since early 2018, the Unix epoch in brackets: `2/16/2019 10:23:51 PM (1550384631)`,
 * `23.02.2020 23:04:56 (1582495496)`. Older reports have the local time alone
 * (`8/29/2018 2:16:43 AM`). The JSON report has ISO times in UTC (`2023-09-06T15:36:09.19Z`),
 * and `0001-01-01T00:00:00` for a time never set.
 */

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const MAX_OFFSET = 14 * 60 * MINUTE;

/** A local wall-clock time without its zone, as if it were UTC (ms), or null when unreadable. */
export function naiveLocalTime(value: string): number | null {
  const m = /^\s*(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})[,T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*(AM|PM|a\.\s?m\.|p\.\s?m\.)?/i.exec(value);
  if (!m) return null;
  const [, a = '', sep, b = '', c = '', hh = '', mi = '', ss = '0', ampm] = m;
  let year: number, month: number, day: number;
  const x = Number(a), y = Number(b), z = Number(c);
  if (a.length === 4) [year, month, day] = [x, y, z]; // 2018-07-27, 2018/07/27 (ISO-like, ja-JP, zh-CN)
  else {
    year = c.length === 2 ? 2000 + z : z;
    if (sep === '/') {
      // en-US is M/d/yyyy h:mm:ss tt; en-GB, fr-FR ... are dd/MM/yyyy HH:mm:ss.
      const monthFirst = x > 12 ? false : y > 12 ? true : Boolean(ampm);
      [month, day] = monthFirst ? [x, y] : [y, x];
    } else [day, month] = [x, y]; // de-DE 27.07.2018, nl-NL 27-7-2018
  }
  let hour = Number(hh);
  if (ampm) {
    const pm = /^p/i.test(ampm);
    if (hour > 12) return null;
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  const minute = Number(mi), second = Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || year < 1970 || year > 2200) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : null;
}

/**
 * The zone offset (ms to add to a naive local time) that puts `naiveEnd` just before the mail was
 * sent: Duplicati mails right after the run ends, and zones are whole quarter hours. Two minutes
 * of clock skew are allowed for. Null without a mail date or when no plausible zone fits.
 */
export function offsetFromMailDate(naiveEnd: number, mailDate: Date | null): number | null {
  if (!mailDate || Number.isNaN(mailDate.getTime())) return null;
  const offset = Math.floor((mailDate.getTime() - naiveEnd + 2 * MINUTE) / QUARTER) * QUARTER;
  return Math.abs(offset) <= MAX_OFFSET ? offset : null;
}

/** A time with a zone: the bracketed epoch or an ISO time with Z/offset. Null when it has none. */
export function anchoredTime(value: string): Date | null {
  const epoch = /\((\d{9,11})\)\s*$/.exec(value);
  if (epoch) return new Date(Number(epoch[1]) * 1000);
  const iso = /^\s*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))\s*$/.exec(value);
  if (!iso) return null;
  const d = new Date(iso[1]!);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 ? null : d;
}

/**
 * Begin and end of a run: anchored times as they are; local times placed in the zone that the
 * mail's Date header implies (see offsetFromMailDate), else null.
 */
export function runTimes(begin: string | null, end: string | null, mailDate: Date | null): { startedAt: Date | null; endedAt: Date | null } {
  let startedAt = begin ? anchoredTime(begin) : null;
  let endedAt = end ? anchoredTime(end) : null;
  const naiveBegin = !startedAt && begin ? naiveLocalTime(begin) : null;
  const naiveEnd = !endedAt && end ? naiveLocalTime(end) : null;
  // Only the end is close to the mail's sending time; a begin alone cannot place the zone.
  const offset = naiveEnd === null ? null : offsetFromMailDate(naiveEnd, mailDate);
  if (offset !== null) {
    if (naiveBegin !== null) startedAt = new Date(naiveBegin + offset);
    if (naiveEnd !== null) endedAt = new Date(naiveEnd + offset);
  }
  return { startedAt, endedAt };
}
