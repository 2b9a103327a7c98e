import type { ManifestEntry } from '../../plugins/types.ts';

/** The random seam of a drill: numbers in [0, 1), like Math.random. Tests pass a seeded one. */
export type RandomSource = () => number;

/** A small seeded generator (mulberry32), for tests and for repeatable drills. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
