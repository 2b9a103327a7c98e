import type { ManifestEntry } from '../../plugins/types.ts';
import type { RandomSource } from '../../core/random.ts';

export { seededRandom, type RandomSource } from '../../core/random.ts';

export interface SampleLimits {
  /** At most this many files. */
  files: number;
  /** At most this many bytes in all. */
  maxBytes: number;
}

/**
 * A random sample of a backup's files for a drill, without repeats: each file is as likely to be
 * picked as its size says (plus one byte, so that empty files have a small chance), because
 * the bytes are what a damaged backup loses; files that alone exceed `maxBytes` are left out and
 * the sample stops adding files once the next would pass it. Files with a backup-time SHA-256
 * come first, since only they prove content; files without one fill the sample when there are
 * too few. Weighted sampling by Efraimidis and Spirakis: key = ln(u) / weight, largest keys win.
 */
export function sampleEntries(entries: readonly ManifestEntry[], limits: SampleLimits, random: RandomSource): ManifestEntry[] {
  const keyed = entries
    .filter((e) => e.size <= limits.maxBytes)
    .map((e) => ({ e, key: Math.log(Math.max(random(), Number.MIN_VALUE)) / (e.size + 1) }));
  const rank = (list: typeof keyed) => list.sort((a, b) => b.key - a.key);
  const ordered = [...rank(keyed.filter((k) => k.e.sha256 !== null)), ...rank(keyed.filter((k) => k.e.sha256 === null))];
  const out: ManifestEntry[] = [];
  let bytes = 0;
  for (const { e } of ordered) {
    if (out.length >= limits.files) break;
    if (bytes + e.size > limits.maxBytes) continue;
    out.push(e);
    bytes += e.size;
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
