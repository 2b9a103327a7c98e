import fs from 'node:fs';
import path from 'node:path';
import { SynError } from '../../core/errors.ts';

/** The marker left in a restore's target folder until the restore has finished. */
export const INCOMPLETE_MARKER = '.synecdoche-restore-incomplete';

/**
 * The local folders a job reads and writes, from its options: `source`, `sources` and `paths`
 * (what is backed up), `destination` and `repository` (the backup itself). Remote locations
 * (`host:path`, `sftp:...`) are left out: a restore writes locally only.
 */
export function jobFolders(options: unknown): { sources: string[]; backups: string[] } {
  const o = (options ?? {}) as Record<string, unknown>;
  const list = (...keys: string[]) =>
    keys.flatMap((k) => (typeof o[k] === 'string' ? [o[k] as string] : Array.isArray(o[k]) ? (o[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []));
  const local = (p: string) => path.isAbsolute(p) || /^[A-Za-z]:[\\/]/.test(p);
  return { sources: list('source', 'sources', 'paths').filter(local), backups: list('destination', 'repository').filter(local) };
}

/** The real path of `p`, resolving symlinks of the part that exists (the rest may not exist yet). */
export function realish(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail.reverse());
    } catch {
      const up = path.dirname(head);
      if (up === head) return abs;
      tail.push(path.basename(head));
      head = up;
    }
  }
}

const within = (inner: string, outer: string) => {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * Refuses a target that would touch what is backed up or the backup itself: `to` must not be a
 * source, inside one, or contain one (unless in place, when it must be exactly the source), nor
 * overlap the backup's own folder; and it must be empty or not exist. Throws USAGE naming why.
 */
export function checkTarget(to: string, folders: { sources: string[]; backups: string[] }, inPlace: boolean): string {
  const target = realish(to);
  const sources = folders.sources.map(realish);
  const backups = folders.backups.map(realish);
  const overlapsBackup = () => {
    for (const b of backups) {
      if (within(target, b) || within(b, target)) throw new SynError('USAGE', `--to ${to} overlaps the backup itself (${b}): restore somewhere else`);
    }
  };
  if (inPlace) {
    overlapsBackup();
    if (!sources.some((s) => s === target)) {
      throw new SynError('USAGE', `--in-place restores over the job's source, but --to ${to} is not it (source: ${sources.join(', ') || 'none known'})`);
    }
    return target;
  }
  for (const s of sources) {
    if (s === target) throw new SynError('USAGE', `--to ${to} is the job's source: restore into a new folder, or add --in-place (and confirm) to write over the source`);
    if (within(target, s)) throw new SynError('USAGE', `--to ${to} is inside the job's source (${s}): restore into a folder outside it`);
    if (within(s, target)) throw new SynError('USAGE', `--to ${to} contains the job's source (${s}): restore into a folder outside it`);
  }
  overlapsBackup();
  let names: string[] | null = null;
  try {
    names = fs.readdirSync(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new SynError('USAGE', `--to ${to} is a file, not a folder`);
    if (code !== 'ENOENT') throw new SynError('USAGE', `--to ${to} cannot be read: ${(e as Error).message}`);
  }
  if (names && names.length > 0) {
    const marked = names.includes(INCOMPLETE_MARKER) ? ' (it holds an incomplete earlier restore)' : '';
    throw new SynError('USAGE', `--to ${to} is not empty${marked}: restore into an empty or new folder`);
  }
  return target;
}

/** `--path` values as paths relative to the backup's root with "/" separators; "..", and empty ones, refused. */
export function normalisePaths(paths: readonly string[]): string[] {
  return paths.map((p) => {
    const n = p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
    if (n === '' || n.split('/').some((s) => s === '..' || s === '' || s === '.')) {
      throw new SynError('USAGE', `--path "${p}": expected a path inside the backup, relative to its root (e.g. "Invoices/2026"), without ".."`);
    }
    return n;
  });
}
