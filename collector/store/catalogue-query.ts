import type { Db } from './db.ts';

/** One backed-up version of a file: held by the backups from `from` until (not including) `to`. */
export interface FileVersion {
  from: Date;
  /** The first backup that no longer held this version; null while the newest backup holds it. */
  to: Date | null;
  size: number;
  mtime: Date;
  sha256: string | null;
}

/** A file some backup holds (or held), as `collector find-file` shows it. */
export interface FoundFile {
  siteId: string;
  jobId: string;
  path: string;
  /** The newest backed-up version. */
  newest: FileVersion;
  /** The most recent backup that holds the newest version: how old "our most recent backup of it" is. */
  lastBackedUpAt: Date;
  /** True while the job's newest backup still holds the file. */
  current: boolean;
  /** Every stored version, newest first (only when asked for). */
  versions?: FileVersion[];
}

export type PatternKind = 'path' | 'substring' | 'glob';

export interface FindOptions {
  siteId?: string;
  jobId?: string;
  history?: boolean;
  /** Most files returned (default 100); `truncated` says when more matched. */
  limit?: number;
}

/**
 * How a pattern is read: with `*`, `?` or `[` a glob over the path relative to the backup's
 * root; starting with "/" or a drive ("C:\") a full path; else a substring. Backslashes are "/".
 */
export function patternKind(pattern: string): PatternKind {
  if (/[*?[]/.test(pattern)) return 'glob';
  if (/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(pattern)) return 'path';
  return 'substring';
}

interface FileRow {
  file_id: number;
  cjob: number;
  path: string;
}

/**
 * The files matching a pattern, each with its newest version. A full path matches a file
 * whose path relative to its backup's root is the pattern without its root ("/home/hugo/x.doc"
 * -> "home/hugo/x.doc"), or a trailing part of it after a "/" ("hugo/x.doc", "x.doc"), since
 * the catalogue does not know where each job's root lies; the longest match per job wins. It
 * takes one index lookup per job and candidate. Substrings and globs use the trigram index
 * (case-insensitive); a substring of fewer than 3 characters scans every path.
 */
export function findFiles(db: Db, pattern: string, o: FindOptions = {}): { kind: PatternKind; files: FoundFile[]; truncated: boolean } {
  const kind = patternKind(pattern);
  const limit = o.limit ?? 100;
  const slashed = pattern.replace(/\\/g, '/');
  // a glob is over the path relative to the backup's root: a leading "/" anchors nothing
  const norm = kind === 'glob' ? slashed.replace(/^\/+/, '') : slashed;
  const jobs = db
    .prepare<[], { cjob: number; site_id: string; job_id: string; head_at: number | null }>('SELECT cjob, site_id, job_id, head_at FROM catalogue_jobs ORDER BY site_id, job_id')
    .all()
    .filter((j) => (!o.siteId || j.site_id === o.siteId) && (!o.jobId || j.job_id === o.jobId));
  const jobById = new Map(jobs.map((j) => [j.cjob, j]));
  let rows: FileRow[] = [];
  if (kind === 'path') {
    const rel = norm.replace(/^([A-Za-z]:)?\/+/, '').replace(/^\/+/, '');
    const candidates = rel.split('/').map((_, i, parts) => parts.slice(i).join('/')).filter((c) => c !== '');
    const exact = db.prepare<[number, string], FileRow>('SELECT file_id, cjob, path FROM catalogue_files WHERE cjob = ? AND path = ?');
    for (const j of jobs) {
      for (const c of candidates) {
        const hit = exact.get(j.cjob, c);
        if (hit) {
          rows.push(hit);
          break;
        }
      }
    }
  } else {
    const test = kind === 'glob' ? globRegex(norm) : null;
    const needle = norm.toLowerCase();
    const matches = (p: string) => (test ? test.test(p) : p.toLowerCase().includes(needle));
    const like = kind === 'glob' ? norm.replace(/\[[^\]]*\]/g, '_').replace(/\*/g, '%').replace(/\?/g, '_') : `%${norm}%`;
    const longestLiteral = Math.max(0, ...like.split(/[%_]/).map((s) => s.length));
    const jobFilter = o.siteId || o.jobId ? ` AND f.cjob IN (${jobs.map((j) => j.cjob).join(',') || 'NULL'})` : '';
    const sql =
      longestLiteral >= 3
        ? `SELECT f.file_id, f.cjob, f.path FROM catalogue_paths p JOIN catalogue_files f ON f.file_id = p.rowid WHERE p.path LIKE ?${jobFilter}`
        : `SELECT f.file_id, f.cjob, f.path FROM catalogue_files f WHERE f.path LIKE ?${jobFilter}`;
    for (const r of db.prepare<[string], FileRow>(sql).iterate(like)) {
      if (!jobById.has(r.cjob) || !matches(r.path)) continue;
      rows.push(r);
      if (rows.length > limit) break;
    }
  }
  const truncated = rows.length > limit;
  rows = rows.slice(0, limit);
  const versionsOf = db.prepare<[number], { from_at: number; to_at: number | null; size: number; mtime_ms: number; sha256: Buffer | null }>(
    'SELECT from_at, to_at, size, mtime_ms, sha256 FROM catalogue_versions WHERE file_id = ? ORDER BY from_at DESC',
  );
  const heldBefore = db.prepare<[number, number], { at: number | null }>(`SELECT max(at) AS at FROM catalogue_manifests WHERE cjob = ? AND state = 'applied' AND at < ?`);
  const files: FoundFile[] = [];
  for (const r of rows) {
    const all = versionsOf.all(r.file_id).map((v) => ({
      from: new Date(v.from_at),
      to: v.to_at === null ? null : new Date(v.to_at),
      size: v.size,
      mtime: new Date(v.mtime_ms),
      sha256: v.sha256 ? v.sha256.toString('hex') : null,
    }));
    const newest = all[0];
    if (!newest) continue;
    const job = jobById.get(r.cjob)!;
    const current = newest.to === null;
    const lastBackedUpAt = current ? new Date(job.head_at ?? newest.from.getTime()) : new Date(heldBefore.get(r.cjob, newest.to!.getTime())?.at ?? newest.from.getTime());
    files.push({ siteId: job.site_id, jobId: job.job_id, path: r.path, newest, lastBackedUpAt, current, ...(o.history ? { versions: all } : {}) });
  }
  files.sort((a, b) => b.lastBackedUpAt.getTime() - a.lastBackedUpAt.getTime() || a.siteId.localeCompare(b.siteId) || a.path.localeCompare(b.path));
  return { kind, files, truncated };
}

/** A glob as a case-insensitive regular expression over the whole path: `*` and `?` cross "/" too. */
function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}
