import { SynError } from './errors.ts';

/** True when `zone` is an IANA time zone this Node.js knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Throws a config error naming `key` when `zone` is not a known IANA time zone. */
export function assertTimeZone(key: string, zone: string): void {
  if (!isValidTimeZone(zone)) {
    throw new SynError('CONFIG_INVALID', `${key}: "${zone}" is not a known IANA time zone (expected e.g. "Europe/Berlin" or "UTC")`);
  }
}

/** The local calendar date (YYYY-MM-DD) of `d` in `zone`. */
export function localDate(d: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  return parts;
}

/** The machine's own IANA zone. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
