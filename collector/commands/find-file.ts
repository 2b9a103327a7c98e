import { formatBytes } from '../../core/templates.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { alignColumns } from '../status/format.ts';
import { incompleteManifests } from '../store/catalogue.ts';
import { findFiles, type FoundFile, type PatternKind } from '../store/catalogue-query.ts';
import { printJson, type Loaded } from './common.ts';

export interface FindFileOptions {
  site?: string;
  job?: string;
  json?: boolean;
  history?: boolean;
  limit: number;
}

/** What `collector find-file` answers (also its --json). */
export interface FindFileAnswer {
  pattern: string;
  kind: PatternKind;
  files: (FoundFile & { age: string })[];
  truncated: boolean;
  /** Manifests of the searched jobs not applied yet (parts missing, base missing): the answer may be behind. */
  incomplete: { siteId: string; jobId: string; runId: string; at: Date; why: string }[];
}

/** "2 days ago", "5 hours ago", "just now": how old a backup is, in words. */
export function ageInWords(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} minute${min === 1 ? '' : 's'} ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.floor(h / 24);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/**
 * `collector find-file PATTERN [--site S] [--job J] [--history] [--json]`: which backups hold a
 * matching file, the newest backed-up version (time, size) and how old the most recent backup
 * of it is; with --history every version. No match is an answer ("no backup holds ..."), exit 0.
 */
export function findFileCommand(l: Loaded, pattern: string, o: FindFileOptions): FindFileAnswer {
  const now = l.clock.now();
  const found = findFiles(l.db, pattern, { siteId: o.site, jobId: o.job, history: o.history, limit: o.limit });
  const incomplete = incompleteManifests(l.db, now.getTime(), undefined, { siteId: o.site, jobId: o.job }).map(({ siteId, jobId, runId, at, why }) => ({ siteId, jobId, runId, at, why }));
  const answer: FindFileAnswer = { pattern, kind: found.kind, files: found.files.map((f) => ({ ...f, age: ageInWords(now.getTime() - f.lastBackedUpAt.getTime()) })), truncated: found.truncated, incomplete };
  if (o.json) {
    printJson(l, answer);
    return answer;
  }
  const zone = l.cfg.consultant.timeZone;
  const scope = [o.site ? `site ${o.site}` : '', o.job ? `job ${o.job}` : ''].filter(Boolean).join(', ');
  if (answer.files.length === 0) l.out(`No backup holds a file matching "${pattern}"${scope ? ` (${scope})` : ''}.`);
  else {
    const rows = answer.files.map((f) => [
      `${f.siteId}/${f.jobId}`,
      f.path,
      `${localTimeWords(f.lastBackedUpAt, zone, now)} (${f.age})`,
      formatBytes(f.newest.size),
      f.current ? 'in the newest backup' : `gone since ${localTimeWords(f.newest.to!, zone, now)}`,
    ]);
    for (const line of alignColumns([['BACKUP', 'PATH', 'NEWEST BACKUP OF IT', 'SIZE', ''], ...rows])) l.out(line);
    if (answer.truncated) l.out(`... and more: showing the first ${o.limit}; narrow the pattern, or use --site, --job or --limit.`);
    if (o.history) {
      for (const f of answer.files) {
        l.out('');
        l.out(`${f.siteId}/${f.jobId} ${f.path}: ${f.versions!.length} version${f.versions!.length === 1 ? '' : 's'}`);
        for (const v of f.versions!) {
          const held = v.to ? `backed up ${localTimeWords(v.from, zone, now)} until ${localTimeWords(v.to, zone, now)}` : `backed up since ${localTimeWords(v.from, zone, now)}`;
          l.out(`  ${held}, ${formatBytes(v.size)}, modified ${localTimeWords(v.mtime, zone, now)}${v.sha256 ? `, sha256 ${v.sha256.slice(0, 16)}...` : ''}`);
        }
      }
    }
  }
  for (const m of incomplete) l.out(`Note: the file list of ${m.siteId}/${m.jobId} from ${localTimeWords(m.at, zone, now)} is incomplete: ${m.why}.`);
  return answer;
}
