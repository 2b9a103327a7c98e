import { SynError } from './errors.ts';

const zoneChecks = new Map<string, boolean>();

/**
 * True when `zone` is an IANA time zone this Node.js knows. Answers are kept (a formatter costs
 * about 30 µs, and every stored run checks its zone); at most 1,000, since zones come from mail.
 */
export function isValidTimeZone(zone: string): boolean {
  const known = zoneChecks.get(zone);
  if (known !== undefined) return known;
  let ok: boolean;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    ok = true;
  } catch {
    ok = false;
  }
  if (zoneChecks.size < 1000) zoneChecks.set(zone, ok);
  return ok;
}

/** Throws a config error naming `key` when `zone` is not a known IANA time zone. */
export function assertTimeZone(key: string, zone: string): void {
  if (!isValidTimeZone(zone)) {
    throw new SynError('CONFIG_INVALID', `${key}: "${zone}" is not a known IANA time zone (expected e.g. "Europe/Berlin" or "UTC")`);
  }
}

/** The local calendar date (YYYY-MM-DD) of `d` in `zone`. */
export function localDate(d: Date | number, zone: string): string {
  let f = dateFormats.get(zone);
  // A formatter costs far more to build than to use: status asks once per run of some jobs.
  if (!f) dateFormats.set(zone, (f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f.format(d);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The machine's own IANA zone. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * A time as people at the site read it, with the zone and its offset at that moment:
 * "2026-11-23 02:30 (Europe/Berlin, +01:00)". For text meant for people only; machine-readable
 * output stays ISO 8601 in UTC.
 */
export function formatInZone(d: Date, zone: string): string {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  for (const p of format.formatToParts(d)) parts[p.type] = p.value;
  // "GMT+01:00", or a bare "GMT" at offset zero.
  const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00';
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} (${zone}, ${offset})`;
}
