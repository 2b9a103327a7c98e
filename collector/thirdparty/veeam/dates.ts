/**
 * Veeam's times. The mail prints the session's start as a long date in the server's culture
 * (`zaterdag 1 februari 2020 01:00:29`, `Saturday, February 1, 2020 1:00:29 AM`) and every other
 * time as a time of day only (`01:00:29`, `1:00:29 AM`), all local and without a zone. We read
 * them as naive wall-clock times (ms, as if UTC) and place them in the zone that the mail's Date
 * header implies: Veeam mails as the session ends.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const QUARTER = 15 * MINUTE;

/** Month names (and their usual abbreviations by prefix) in the cultures Veeam servers run in. */
const MONTHS: readonly (readonly string[])[] = [
  ['january', 'januar', 'januari', 'janvier', 'enero', 'gennaio', 'janeiro', 'janvāris', 'styczeń', 'stycznia'],
  ['february', 'februar', 'februari', 'février', 'fevrier', 'febrero', 'febbraio', 'fevereiro', 'luty', 'lutego'],
  ['march', 'märz', 'maerz', 'maart', 'mars', 'marzo', 'março', 'marco', 'marts', 'mart', 'marzec', 'marca'],
  ['april', 'avril', 'abril', 'aprile', 'kwiecień', 'kwietnia'],
  ['may', 'mai', 'mei', 'mayo', 'maggio', 'maio', 'maj', 'maja'],
  ['june', 'juni', 'juin', 'junio', 'giugno', 'junho', 'czerwiec', 'czerwca'],
  ['july', 'juli', 'juillet', 'julio', 'luglio', 'julho', 'lipiec', 'lipca'],
  ['august', 'augustus', 'août', 'aout', 'agosto', 'augusti', 'sierpień', 'sierpnia'],
  ['september', 'septembre', 'septiembre', 'settembre', 'setembro', 'wrzesień', 'września'],
  ['october', 'oktober', 'octobre', 'octubre', 'ottobre', 'outubro', 'październik', 'października'],
  ['november', 'novembre', 'noviembre', 'novembro', 'listopad', 'listopada'],
  ['december', 'dezember', 'décembre', 'decembre', 'diciembre', 'dicembre', 'dezembro', 'grudzień', 'grudnia'],
];

function monthOf(word: string): number | null {
  const w = word.toLowerCase().replace(/\.$/, '');
  if (w.length < 3) return null;
  // A full name, or an abbreviation of three or four letters (`Feb`, `févr`, `Sept`).
  for (let i = 0; i < 12; i++) if (MONTHS[i]!.some((name) => name === w || (w.length <= 4 && name.startsWith(w)))) return i;
  return null;
}

/** A time of day (`01:00:29`, `1:00 PM`, `13.05.22`) as ms after midnight, or null. */
export function timeOfDay(value: string): number | null {
  const m = /(?:^|\D)(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*(AM|PM|a\.\s?m\.|p\.\s?m\.)?\s*$/i.exec(value.trim());
  if (!m) return null;
  let hour = Number(m[1]);
  const minute = Number(m[2]), second = Number(m[3] ?? 0);
  if (m[4]) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (/^p/i.test(m[4]) ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return null;
  return hour * HOUR + minute * MINUTE + second * 1000;
}

function validDay(year: number, month: number, day: number): number | null {
  if (year < 1990 || year > 2200 || month < 0 || month > 11 || day < 1 || day > 31) return null;
  const ms = Date.UTC(year, month, day);
  return new Date(ms).getUTCDate() === day ? ms : null;
}

/**
 * The calendar day of a session line, naive midnight in ms, or null. Long forms name the month
 * (`1 februari 2020`, `February 1, 2020`, `1. Februar 2020`); numeric ones are read as day first
 * unless the line has AM/PM (en-US) or the first number cannot be a day.
 */
export function dayOf(value: string): number | null {
  const text = value.replace(/\u00a0/g, ' ');
  const year = /\b(19\d\d|2\d\d\d)\b/.exec(text);
  for (const word of text.match(/[\p{L}]{3,}\.?/gu) ?? []) {
    const month = monthOf(word);
    if (month === null || !year) continue;
    const withoutTime = text.replace(/\d{1,2}[:.]\d{2}(?:[:.]\d{2})?/g, ' ').replace(year[1]!, ' ');
    const day = /\b(\d{1,2})\b/.exec(withoutTime);
    return day ? validDay(Number(year[1]), month, Number(day[1])) : null;
  }
  const iso = /\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b/.exec(text);
  if (iso) return validDay(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
  const num = /\b(\d{1,2})([-/.])(\d{1,2})\2(\d{4})\b/.exec(text);
  if (!num) return null;
  const a = Number(num[1]), b = Number(num[3]);
  const monthFirst = a > 12 ? false : b > 12 ? true : /\b[AP]M\b/i.test(text) && num[2] === '/';
  return monthFirst ? validDay(Number(num[4]), a - 1, b) : validDay(Number(num[4]), b - 1, a);
}

/** A cell that holds a full date and time (some agent mails), as a naive time; null otherwise. */
export function naiveDateTime(value: string): number | null {
  const day = dayOf(value);
  const time = timeOfDay(value);
  return day !== null && time !== null ? day + time : null;
}

/** A time of day placed on or after `after` (a naive time): the first such moment. */
export function timeAfter(value: string | undefined, after: number | null): number | null {
  if (!value || after === null) return null;
  const full = naiveDateTime(value);
  if (full !== null) return full;
  const t = timeOfDay(value);
  if (t === null) return null;
  const day = Math.floor(after / DAY) * DAY;
  // A minute of slack: an object can be listed as starting in the job's first second.
  return day + t >= after - MINUTE ? day + t : day + DAY + t;
}

/**
 * The zone offset (ms to add to a naive time) that puts the session's end just before the mail
 * was sent, in whole quarter hours; two minutes of clock skew allowed. Null when none fits.
 */
export function offsetFromMailDate(naiveEnd: number, mailDate: Date | null): number | null {
  if (!mailDate || Number.isNaN(mailDate.getTime())) return null;
  const offset = Math.floor((mailDate.getTime() - naiveEnd + 2 * MINUTE) / QUARTER) * QUARTER;
  return Math.abs(offset) <= 14 * HOUR ? offset : null;
}
