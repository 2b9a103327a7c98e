import { z } from 'zod';

/**
 * Options of the `copy` plugin (the job's `options:` block).
 *
 * Change detection: a source file is copied when the destination lacks it, or its size differs,
 * or its modification time differs by more than `mtimeToleranceMs` (plus 1 ms of rounding slack:
 * times are set through a double of seconds, exact to the microsecond, not the nanosecond). Use
 * `mtimeToleranceMs: 2000` for FAT/exFAT destinations, which keep times to 2 seconds. With
 * `preserveTimes: false` the destination keeps its own write times, so a file counts as unchanged
 * when the sizes match and the destination is not older than the source.
 */
export const CopyOptions = z
  .object({
    source: z.string().min(1).describe('folder to back up'),
    destination: z.string().min(1).describe('folder that mirrors the source; created when missing'),
    removeExtras: z.boolean().default(false).describe('delete destination entries that are not in the source (counted as extra)'),
    verify: z
      .enum(['none', 'copied', 'all'])
      .default('copied')
      .describe('copied: re-read each copied file at the destination and compare its SHA-256; all: hash every file on both sides'),
    excludes: z
      .array(z.string().min(1).refine(isSimplePattern, 'an exact name ("node_modules") or a suffix pattern ("*.tmp")'))
      .default([])
      .describe('names to leave out, matched against each file or folder name: exact names or "*.ext" suffixes'),
    preserveTimes: z.boolean().default(true).describe('set the destination modification time to the source one (needed for quick incremental runs)'),
    mtimeToleranceMs: z.number().int().nonnegative().max(86_400_000).default(0).describe('modification times closer than this count as equal (2000 for FAT)'),
    concurrency: z.number().int().min(1).max(64).default(4).describe('files copied or hashed at the same time'),
    keepVersions: z
      .object({ days: z.number().int().min(1).max(36_500).describe('how long replaced and removed versions are kept') })
      .strict()
      .optional()
      .describe(
        'keep what a run replaces or removes at the destination under .synecdoche-versions/<run time>/<path>, for restores as of an earlier time; off by default',
      ),
  })
  .strict();
export type CopyOptions = z.infer<typeof CopyOptions>;

function isSimplePattern(p: string): boolean {
  if (p.includes('/') || p.includes('\\')) return false;
  const star = p.indexOf('*');
  return star === -1 || (star === 0 && !p.includes('*', 1) && p.length > 1);
}

/** A predicate over entry names built from `excludes`: exact names, or `*suffix` patterns. */
export function excludeMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const p of patterns) {
    if (p.startsWith('*')) suffixes.push(p.slice(1));
    else exact.add(p);
  }
  if (exact.size === 0 && suffixes.length === 0) return () => false;
  return (name) => exact.has(name) || suffixes.some((s) => name.endsWith(s));
}
