/**
 * One folder as a walk saw it: entry names, and per name three numbers in `meta`
 * ([kind, size, mtimeMs]; kind 0 file, 1 folder, 2 symlink, 3 fifo/socket/device). Entries that
 * could not be stat'ed are in `errors`; a folder that could not be listed has `error`.
 */
export interface Listing {
  rel: string;
  names: string[];
  meta: number[];
  errors: { name: string; message: string; code?: string }[];
  error?: string;
  code?: string;
}

export const FILE = 0;
export const DIR = 1;
export const SYMLINK = 2;

/** What to do for one source folder, from its listing and the destination's. */
export interface DirPlan {
  /** Destination entries to delete (top-most only) before writing, when removing extras. */
  removals: string[];
  /** Folders to create, parents first. */
  mkdirs: string[];
  copies: { rel: string; size: number }[];
  unchanged: { rel: string; size: number }[];
  symlinks: string[];
  /** Fifos, sockets and devices: skipped with a note, as `rsync -a` does without -D. */
  special: string[];
  /** Non-folder destination entries that are not in the source (or of another kind there). */
  extras: { rel: string; size: number }[];
  /** Destination folders that are entirely extra: everything the walk finds inside is extra. */
  extraDirs: string[];
  /** Source subfolders the destination lacks: their listings need no destination listing. */
  absentDirs: string[];
  /** Source entries that could not be read. */
  failed: { rel: string; message: string; code?: string }[];
}

export interface CompareRules {
  preserveTimes: boolean;
  mtimeToleranceMs: number;
}

const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);

/**
 * Compares one source folder with the same folder at the destination (null when it is not
 * there). Pure, so the rules are tested without files.
 *
 * A destination entry is extra when the source has nothing of that name, or something of the
 * other kind (a folder against a file: the destination entry must go before the source's can be
 * written). A name the source could not stat is never extra: deleting its copy would turn a read
 * error into data loss. Folders are created and removed as needed but not counted: counts are
 * of files, as the result format's are.
 */
export function planDir(src: Listing, dst: Listing | null, rules: CompareRules): DirPlan {
  const p: DirPlan = { removals: [], mkdirs: [], copies: [], unchanged: [], symlinks: [], special: [], extras: [], extraDirs: [], absentDirs: [], failed: [] };
  const d = new Map<string, number>();
  if (dst) for (let i = 0; i < dst.names.length; i++) d.set(dst.names[i]!, i);
  const srcNames = new Set(src.names);
  for (let i = 0; i < src.names.length; i++) {
    const name = src.names[i]!;
    const rel = join(src.rel, name);
    const kind = src.meta[3 * i]!;
    const size = src.meta[3 * i + 1]!;
    const j = d.get(name);
    const dKind = j === undefined ? -1 : dst!.meta[3 * j]!;
    if (j !== undefined && dKind !== -1 && (kind === DIR) !== (dKind === DIR) && kind <= SYMLINK) {
      p.removals.push(rel);
      if (dKind === DIR) p.extraDirs.push(rel);
      else p.extras.push({ rel, size: dst!.meta[3 * j + 1]! });
    }
    if (kind === DIR) {
      if (dKind !== DIR) {
        p.mkdirs.push(rel);
        p.absentDirs.push(rel);
      }
    } else if (kind === FILE) {
      const same = dKind === FILE && isUnchanged(size, src.meta[3 * i + 2]!, dst!.meta[3 * j! + 1]!, dst!.meta[3 * j! + 2]!, rules);
      (same ? p.unchanged : p.copies).push({ rel, size });
    } else if (kind === SYMLINK) p.symlinks.push(rel);
    else p.special.push(rel);
  }
  for (const e of src.errors) {
    srcNames.add(e.name);
    p.failed.push(e.code ? { rel: join(src.rel, e.name), message: e.message, code: e.code } : { rel: join(src.rel, e.name), message: e.message });
  }
  if (dst) {
    for (let j = 0; j < dst.names.length; j++) {
      const name = dst.names[j]!;
      if (srcNames.has(name)) continue;
      const rel = join(src.rel, name);
      p.removals.push(rel);
      if (dst.meta[3 * j] === DIR) p.extraDirs.push(rel);
      else p.extras.push({ rel, size: dst.meta[3 * j + 1]! });
    }
  }
  return p;
}

/**
 * Same size, and the same mtime within the tolerance plus 1 ms (times are set as doubles of
 * seconds, exact to about a microsecond). Without preserved times the destination holds its own
 * write time: unchanged then means the same size and a destination not older than the source.
 */
export function isUnchanged(size: number, mtimeMs: number, dSize: number, dMtimeMs: number, rules: CompareRules): boolean {
  if (size !== dSize) return false;
  if (!rules.preserveTimes) return dMtimeMs >= mtimeMs - rules.mtimeToleranceMs;
  return Math.abs(mtimeMs - dMtimeMs) < rules.mtimeToleranceMs + 1;
}
