/**
 * Times and durations in Synology's notification mails. DSM prints wall-clock times in the NAS's
 * own zone and in the date format its regional settings choose (`2016-10-03 02:00:04`,
 * `17/06/2026 10:00`, `03.10.2016 02:00`), never with a zone, and durations as `00:14:51` or in
 * words (`1 hour 2 min`). The zone is recovered from the Date header: DSM mails the moment a
 * task ends.
 */

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const MAX_OFFSET = 14 * 60 * MINUTE;

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
  mär: 3, mai: 5, okt: 10, dez: 12, gen: 1, mag: 5, giu: 6, lug: 7, ago: 8, set: 9, ott: 10, dic: 12,
};

function wallClock(year: number, month: number, day: number, hour: number, minute: number, second: number): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 || year < 1970 || year > 2200) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : null;
}

function hour24(hh: string, ampm: string | undefined): number | null {
  const h = Number(hh);
  if (!ampm) return h;
  if (h < 1 || h > 12) return null;
  return (h % 12) + (/^p/i.test(ampm) ? 12 : 0);
}

/** A local wall-clock time without its zone, as if it were UTC (ms), or null when unreadable. */
export function naiveLocalTime(value: string): number | null {
  const v = value.trim();
  const time = String.raw`(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?`;
  // 2016-10-03 02:00:04, 2016/10/03 02:00
  let m = new RegExp(String.raw`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[T ,]+${time}`, 'i').exec(v);
  if (m) {
    const h = hour24(m[4]!, m[7]);
    return h === null ? null : wallClock(Number(m[1]), Number(m[2]), Number(m[3]), h, Number(m[5]), Number(m[6] ?? 0));
  }
  // 17/06/2026 10:00 (day first, as DSM's it/de/fr formats), 03.10.2016 02:00; with AM/PM, month first (en-US)
  m = new RegExp(String.raw`^(\d{1,2})([./-])(\d{1,2})\2(\d{4})[ ,]+${time}`, 'i').exec(v);
  if (m) {
    const h = hour24(m[5]!, m[8]);
    const [day, month] = m[2] === '/' && m[8] ? [Number(m[3]), Number(m[1])] : [Number(m[1]), Number(m[3])];
    return h === null ? null : wallClock(Number(m[4]), month, day, h, Number(m[6]), Number(m[7] ?? 0));
  }
  // Mon, Oct 3 2016 02:00:04 / Oct 3, 2016 02:00 / 3 Oct 2016 02:00
  m = new RegExp(String.raw`^(?:[A-Za-zäÄ]{2,4}\.?,?\s+)?(?:([A-Za-zä]{3})[a-zä]*\.?\s+(\d{1,2})|(\d{1,2})\.?\s+([A-Za-zä]{3})[a-zä]*\.?),?\s+(\d{4})[ ,]+${time}`, 'i').exec(v);
  if (m) {
    const month = MONTHS[(m[1] ?? m[4] ?? '').toLowerCase()];
    const h = hour24(m[6]!, m[9]);
    return month === undefined || h === null ? null : wallClock(Number(m[5]), month, Number(m[2] ?? m[3]), h, Number(m[7]), Number(m[8] ?? 0));
  }
  return null;
}

const UNIT_MS: [RegExp, number][] = [
  [/^(?:d|days?|tage?n?|giorn[oi])$/i, 86_400_000],
  [/^(?:h|hrs?|hours?|std|stunden?|or[ae])$/i, 3_600_000],
  [/^(?:m|mins?|minutes?|minuten?|minut[oi])$/i, MINUTE],
  [/^(?:s|secs?|seconds?|sek|sekunden?|second[oi])$/i, 1000],
];

/** A duration in ms: `00:14:51`, `14:51`, `1 hour(s) 2 minute(s) 3 second(s)`, `2 Std. 5 Min.`; null when unreadable. */
export function durationMs(value: string): number | null {
  const v = value.trim();
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(v);
  if (clock) return ((Number(clock[1] ?? 0) * 60 + Number(clock[2])) * 60 + Number(clock[3])) * 1000;
  let total = 0;
  let seen = false;
  for (const part of v.matchAll(/(\d+)\s*([A-Za-zäöü.]+)(?:\(s\))?/g)) {
    const unit = UNIT_MS.find(([re]) => re.test(part[2]!.replace(/\.$/, '')));
    if (!unit) return null;
    total += Number(part[1]) * unit[1];
    seen = true;
  }
  return seen ? total : null;
}

/**
 * The zone offset (ms to subtract from a naive local time) that puts `naiveEnd` just before the
 * mail was sent; zones are whole quarter hours, two minutes of clock skew are allowed for. Null
 * without a mail date or when no plausible zone fits.
 */
export function zoneOffset(naiveEnd: number, mailDate: Date | null): number | null {
  if (!mailDate || Number.isNaN(mailDate.getTime())) return null;
  // The mail leaves up to ~13 minutes after the printed end (minute-precision times, queueing)
  // and at most 2 minutes before it (clock skew).
  const offset = -Math.floor((mailDate.getTime() - naiveEnd + 2 * MINUTE) / QUARTER) * QUARTER;
  return Math.abs(offset) <= MAX_OFFSET ? offset : null;
}

/** Start and end as instants: the end is the mail's End time, else Start + Duration; both placed in the zone the Date header implies. */
export function runTimes(start: string | null, end: string | null, duration: string | null, mailDate: Date | null): { startedAt: Date | null; endedAt: Date | null } {
  const s = start ? naiveLocalTime(start) : null;
  const d = duration ? durationMs(duration) : null;
  const e = end ? naiveLocalTime(end) : s !== null && d !== null ? s + d : null;
  if (e === null) return { startedAt: null, endedAt: null };
  const offset = zoneOffset(e, mailDate);
  if (offset === null) return { startedAt: null, endedAt: null };
  return { startedAt: s === null ? null : new Date(s - offset), endedAt: new Date(e - offset) };
}
