/**
 * Durations in the words people use on a status line: "12 min", "3 h", "2 days". Shared by the
 * engine's reasons (which must not depend on a time zone) and the table. Rounded to the nearest
 * unit, not down: a backup 71 h 40 min old (three nights ago, or across a DST change) is
 * "3 days" old, never "2 days", which would make it look newer than it is.
 */
export function durationWords(ms: number): string {
  const min = Math.round(Math.abs(ms) / 60_000);
  if (min < 1) return 'less than a minute';
  if (min < 60) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
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

/** Lists up to this long are sorted by insertion into a reused buffer; longer ones get a typed copy. */
const SHORT = 64;
const sorted = new Float64Array(SHORT);

/**
 * The median of the first `n` values (all of them by default; n > 0): the mean of the two
 * middle values for an even count. `collector status` takes thousands of medians of a dozen
 * values, so a short list is sorted into one reused buffer instead of a fresh array each time.
 */
export function median(values: ArrayLike<number>, n: number = values.length): number {
  let s = sorted;
  if (n <= SHORT) {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      let j = i - 1;
      for (; j >= 0 && s[j]! > v; j--) s[j + 1] = s[j]!;
      s[j + 1] = v;
    }
  } else {
    s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = values[i]!;
    s.sort();
  }
  const mid = n >> 1;
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
