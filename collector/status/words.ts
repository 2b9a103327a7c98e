/**
 * Durations in the words people use on a status line: "12 min", "3 h", "2 days". Shared by the
 * engine's reasons (which must not depend on a time zone) and the table.
 */
export function durationWords(ms: number): string {
  const min = Math.floor(Math.abs(ms) / 60_000);
  if (min < 1) return 'less than a minute';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

/** "3 h ago" for a past instant, "in 3 h" for a future one, "just now" within a minute. */
export function relativeWords(ms: number): string {
  if (Math.abs(ms) < 60_000) return 'just now';
  return ms >= 0 ? `${durationWords(ms)} ago` : `in ${durationWords(ms)}`;
}

/** "1 run", "3 runs". */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
