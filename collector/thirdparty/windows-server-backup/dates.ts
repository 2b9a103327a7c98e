/**
 * Times in Windows Server Backup output. Three kinds appear:
 * - ISO times in UTC inside event messages (`started at '2012-03-31T07:00:05.748719600Z'`),
 *   often with invisible LEFT-TO-RIGHT MARKs around the parts, which copy-paste and some mail
 *   paths turn into `?` (`'?2012?-?03?-?31T07:00:05.748719600Z'`).
 * - `wbadmin get versions` identifiers, `MM/DD/YYYY-HH:MM` in UTC (the `Backup time:` line
 *   beside them is the same moment in the machine's zone: 10/4/2020 10:48 AM = 10/04/2020-17:48
 *   on a UTC-7 machine).
 * - Local wall-clock times (`6/30/2026 12:26 PM`, Event Viewer's `Date:`), which have no zone.
 */

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const MAX_OFFSET = 14 * 60 * MINUTE;

/** Drops the direction marks (and the `?` they become) that Windows puts inside formatted dates. */
export function stripMarks(s: string): string {
  return s.replace(/[\u200e\u200f\u202a-\u202e]/g, '').replace(/\?(?=[\d:.TZ-])|(?<=[\d:.TZ-])\?/g, '');
}

function valid(ms: number): Date | null {
  const d = new Date(ms);
  return Number.isNaN(ms) || d.getUTCFullYear() < 1990 || d.getUTCFullYear() > 2200 ? null : d;
}

/** An ISO time with Z or an offset (after stripMarks), else null. */
export function isoTime(s: string): Date | null {
  const m = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})/.exec(stripMarks(s));
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac = '0', zone = 'Z'] = m;
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +sec!, Math.floor(Number(`0.${frac}`) * 1000));
  const off = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) * MINUTE;
  return valid(ms - off);
}

/** A `wbadmin get versions` identifier (`06/30/2026-19:26`, UTC), else null. */
export function versionIdentifierTime(s: string): Date | null {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})-(\d{2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const [, mo, d, y, h, mi] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59) return null;
  return valid(Date.UTC(y!, mo! - 1, d!, h!, mi!));
}

/**
 * A local `M/d/yyyy h:mm[:ss] [AM|PM]` or `yyyy-MM-dd[T ]HH:mm[:ss]` time without zone, as if it
 * were UTC (ms), else null. en-US is what Windows prints in the samples we have; a day-first
 * culture with a 24-hour clock is read day first when the first number cannot be a month.
 */
export function naiveLocalTime(s: string): number | null {
  const t = stripMarks(s);
  let m = /(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(t);
  let y: number, mo: number, d: number, h: number;
  let mi: number, sec: number;
  if (m) {
    [y, mo, d, h, mi, sec] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)];
  } else {
    m = /(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?/i.exec(t);
    if (!m) return null;
    const a = +m[1]!, b = +m[2]!;
    [mo, d] = a > 12 ? [b, a] : [a, b];
    [y, h, mi, sec] = [+m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)];
    if (m[7]) {
      if (h > 12) return null;
      h = (h % 12) + (/p/i.test(m[7]) ? 12 : 0);
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  return new Date(ms).getUTCDate() === d ? ms : null;
}

/**
 * A local time of the event that triggered the mail, placed in the zone the mail's Date header
 * implies: the scheduled task mails within minutes of the event, and zones are whole quarter
 * hours (two minutes of clock skew allowed). Null without a mail date or a plausible zone.
 */
export function localTimeNearMail(s: string, mailDate: Date | null): Date | null {
  const naive = naiveLocalTime(s);
  if (naive === null || !mailDate || Number.isNaN(mailDate.getTime())) return null;
  const offset = Math.floor((mailDate.getTime() - naive + 2 * MINUTE) / QUARTER) * QUARTER;
  return Math.abs(offset) <= MAX_OFFSET ? valid(naive + offset) : null;
}
