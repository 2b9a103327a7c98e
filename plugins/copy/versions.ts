import fs from 'node:fs';
import path from 'node:path';
import { describeError } from '../../core/errors.ts';

/**
 * `keepVersions`: what a run replaces or removes at the destination is kept under
 * `<destination>/.synecdoche-versions/<stamp>/<path>`, the stamp being the run's start time
 * (ISO 8601 in UTC with "-" for ":", which Windows does not allow in names). The folder is left
 * out of the plugin's own walks (never copied, counted or removed as an extra), and folders
 * older than `days` are pruned at the end of each run. A restore as of an earlier time finds the
 * content a file had then by its hash in the mirror or in these folders (restore.ts).
 */
export const VERSIONS_DIR = '.synecdoche-versions';

const DAY_MS = 86_400_000;

/** The folder name of a run's versions: 2026-12-04T20-58-00.000Z. */
export function versionStamp(at: Date): string {
  return at.toISOString().replace(/:/g, '-');
}

/** The time a stamp folder names, or null for a name that is not a stamp. */
export function stampTime(name: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2}(?:\.\d{3})?Z)$/.exec(name);
  if (!m) return null;
  const t = Date.parse(`${m[1]}:${m[2]}:${m[3]}`);
  return Number.isNaN(t) ? null : new Date(t);
}

/** The stamp folders under a destination, oldest first. */
export function listVersions(destination: string): { name: string; at: Date }[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(destination, VERSIONS_DIR));
  } catch {
    return [];
  }
  const out: { name: string; at: Date }[] = [];
  for (const name of names) {
    const at = stampTime(name);
    if (at) out.push({ name, at });
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** Where a run's version of `rel` goes. */
export function versionPath(destination: string, stamp: string, rel: string): string {
  return path.join(destination, VERSIONS_DIR, stamp, rel);
}

/**
 * Keeps the current destination file `rel` before a copy replaces it: a hard link (no bytes
 * copied; the copy renames a new file over the name, so the old inode stays as it was), or a
 * copy with its times where the file system has no hard links. False when there was nothing to keep.
 */
export function keepBeforeReplace(destination: string, stamp: string, rel: string): boolean {
  const from = path.join(destination, rel);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(from);
  } catch {
    return false; // a new file: nothing replaced
  }
  if (!st.isFile()) return false;
  const to = versionPath(destination, stamp, rel);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.linkSync(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return true;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK' && code !== 'ENOSYS') throw e;
    fs.copyFileSync(from, to);
    fs.utimesSync(to, st.atime, st.mtime);
  }
  return true;
}

/** Moves an extra (file or folder) into the run's versions folder instead of deleting it. */
export function keepBeforeRemove(destination: string, stamp: string, rel: string): void {
  const to = versionPath(destination, stamp, rel);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.rmSync(to, { recursive: true, force: true });
  fs.renameSync(path.join(destination, rel), to);
}

/** Removes stamp folders older than `days` before `now`; returns notes on what it did or could not do. */
export function pruneVersions(destination: string, now: Date, days: number): string[] {
  const limit = now.getTime() - days * DAY_MS;
  const notes: string[] = [];
  let pruned = 0;
  for (const v of listVersions(destination)) {
    if (v.at.getTime() >= limit) continue;
    try {
      fs.rmSync(path.join(destination, VERSIONS_DIR, v.name), { recursive: true, force: true });
      pruned++;
    } catch (e) {
      notes.push(`cannot prune kept versions ${v.name}: ${describeError(e)}`);
    }
  }
  if (pruned > 0) notes.push(`pruned ${pruned} kept version folder${pruned === 1 ? '' : 's'} older than ${days} days`);
  return notes;
}
