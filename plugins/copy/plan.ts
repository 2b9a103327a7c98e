import type { Entry, ScanResult } from './scan.ts';

/** What a run has to do, worked out from the two walks before anything is written. */
export interface Plan {
  /** Folders missing at the destination, parents first. */
  mkdirs: string[];
  /** Regular files that are new or changed. */
  copies: { rel: string; size: number }[];
  /** Regular files whose size and mtime match (candidates for `verify: all`). */
  unchanged: { rel: string; size: number }[];
  /** Symlinks: recreated unless the destination link has the same target (decided when run). */
  symlinks: string[];
  /** Fifos, sockets and devices: never copied, skipped with a note (as `rsync -a` without -D). */
  special: string[];
  /** Non-folder destination entries that are not in the source (or of another kind there). */
  extras: string[];
  /** The top-most destination entries to delete so that every extra goes, when removing extras. */
  removals: string[];
}

export interface CompareRules {
  preserveTimes: boolean;
  mtimeToleranceMs: number;
}

/**
 * Compares the source and destination walks. Pure, so the rules are tested without files.
 *
 * A destination entry is an extra when the source has nothing at that path, or has something
 * of another kind (a folder where the destination has a file, or the reverse: those must be
 * removed before the source entry can be written). Nothing under a source folder that could not
 * be listed, or at a source path that could not be stat'ed, is ever an extra: its contents are
 * unknown, and deleting them would turn a read error into data loss. Folders are created and
 * removed as needed but not counted (counts are of files, as the result format's are).
 */
export function makePlan(src: ScanResult, dst: ScanResult, rules: CompareRules): Plan {
  const plan: Plan = { mkdirs: [], copies: [], unchanged: [], symlinks: [], special: [], extras: [], removals: [] };
  for (const [rel, s] of src.entries) {
    const d = dst.entries.get(rel);
    if (s.kind === 'dir') {
      if (!d || d.kind !== 'dir') plan.mkdirs.push(rel);
    } else if (s.kind === 'file') {
      if (d && d.kind === 'file' && isUnchanged(s, d, rules)) plan.unchanged.push({ rel, size: s.size });
      else plan.copies.push({ rel, size: s.size });
    } else if (s.kind === 'symlink') plan.symlinks.push(rel);
    else plan.special.push(rel);
  }
  const unknown = new Set([...src.unreadableDirs, ...src.errors.map((e) => e.path)]);
  const removed = new Set<string>();
  for (const [rel, d] of dst.entries) {
    if (within(rel, unknown)) continue;
    const s = src.entries.get(rel);
    const conflict = s !== undefined && (s.kind === 'dir') !== (d.kind === 'dir');
    if (s && !conflict) continue;
    if (d.kind !== 'dir') plan.extras.push(rel);
    if (!within(rel, removed)) {
      plan.removals.push(rel);
      if (d.kind === 'dir') removed.add(rel);
    }
  }
  return plan;
}

/** Same size, and the same mtime within the tolerance (plus 1 ms: times are set as doubles). */
export function isUnchanged(s: Entry, d: Entry, rules: CompareRules): boolean {
  if (s.size !== d.size) return false;
  if (!rules.preserveTimes) return d.mtimeMs >= s.mtimeMs - rules.mtimeToleranceMs;
  return Math.abs(s.mtimeMs - d.mtimeMs) < rules.mtimeToleranceMs + 1;
}

/** True when `rel` or one of its ancestor folders is in `set`. */
function within(rel: string, set: ReadonlySet<string>): boolean {
  if (set.size === 0) return false;
  if (set.has('')) return true;
  for (let p = rel; ; ) {
    if (set.has(p)) return true;
    const i = p.lastIndexOf('/');
    if (i < 0) return false;
    p = p.slice(0, i);
  }
}
