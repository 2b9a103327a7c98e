import type { CollectorConfig } from '../config.ts';
import type { Db } from '../store/db.ts';
import { lastRestore, lastSuccessfulDrill, type RestoreRow } from '../store/restores.ts';
import type { JobStatus } from '../status/types.ts';
import { durationWords, relativeWords } from '../status/words.ts';

/**
 * "Last proven restorable" (issue 11): what the restore drills of a job say, for the digest and
 * the client summary. A job is proven restorable by its newest drill that passed (status ok,
 * complete): a sample restored and matched with the backup-time hashes.
 *
 * When it is a warning (collector config `drills`): only agent jobs whose plugin can restore are
 * watched (another tool's notifications and command jobs cannot be drilled). Such a job warns
 * when its newest drill failed, or when its last good drill is older than `warnAfterDays`. A job
 * never drilled warns once the collector has known it for `warnAfterDays` (a new job gets that
 * long for its first drill) as `neverDrilled` says: `drilled-sites` (the default) at sites where
 * some job has had a drill (drills are set up there, so every job that can restore should have
 * one; a site whose agent predates drills is not flooded with warnings), `all` everywhere,
 * `ignore` never.
 */

/** Plugins whose backups an agent can restore and so drill (the collector does not import plugins). */
export const DRILLABLE_PLUGINS: ReadonlySet<string> = new Set(['copy', 'rsync', 'restic', 'robocopy']);

export interface DrillState {
  /** The newest drill that passed, or null. */
  lastGood: Date | null;
  /** The newest drill of any outcome, or null. */
  newest: Pick<RestoreRow, 'startedAt' | 'status' | 'incomplete' | 'firstError' | 'mismatches'> | null;
  /** "last proven restorable: 3 days ago" or "never proven restorable"; null for a job that cannot be drilled and never was. */
  words: string | null;
  /** Why this is a warning, or null. */
  warning: string | null;
}

export interface DrillSettings {
  warnAfterDays: number;
  neverDrilled: 'drilled-sites' | 'all' | 'ignore';
}

const DAY = 86_400_000;

/** The drill state of one job. Pure. */
export function drillState(
  job: { source: JobStatus['source']; plugin: string | null; firstSeenAt: Date | null; siteDrills: boolean },
  lastGood: RestoreRow | null,
  newest: RestoreRow | null,
  s: DrillSettings,
  now: Date,
): DrillState {
  const t = now.getTime();
  const watched = job.source === 'agent' && job.plugin !== null && DRILLABLE_PLUGINS.has(job.plugin);
  const newestFacts = newest && { startedAt: newest.startedAt, status: newest.status, incomplete: newest.incomplete, firstError: newest.firstError, mismatches: newest.mismatches };
  const words = lastGood ? `last proven restorable: ${relativeWords(t - lastGood.startedAt.getTime())}` : watched || newest ? 'never proven restorable' : null;
  let warning: string | null = null;
  if (watched || newest) {
    const limit = s.warnAfterDays * DAY;
    if (newest && (newest.status === 'failed' || newest.incomplete)) {
      const what = newest.mismatches > 0 ? `${newest.mismatches} file${newest.mismatches === 1 ? '' : 's'} did not match the backup` : (newest.firstError ?? 'it did not finish');
      warning = `the newest restore drill (${relativeWords(t - newest.startedAt.getTime())}) failed: ${what}`;
    } else if (lastGood && t - lastGood.startedAt.getTime() > limit) {
      warning = `not proven restorable for ${durationWords(t - lastGood.startedAt.getTime())} (drills.warnAfterDays: ${s.warnAfterDays})`;
    } else if (!lastGood && newest && t - newest.startedAt.getTime() > limit) {
      warning = `no restore drill has passed yet (drills.warnAfterDays: ${s.warnAfterDays})`;
    } else if (!newest && (s.neverDrilled === 'all' || (s.neverDrilled === 'drilled-sites' && job.siteDrills)) && job.firstSeenAt && t - job.firstSeenAt.getTime() > limit) {
      warning = `never proven restorable: no restore drill in ${durationWords(t - job.firstSeenAt.getTime())} (set drill: in the job's agent config, or drills.neverDrilled: ignore)`;
    }
  }
  return { lastGood: lastGood?.startedAt ?? null, newest: newestFacts, words, warning };
}

/** The key of a job in the map of loadDrillStates. */
export function drillKey(siteId: string, jobId: string): string {
  return `${siteId}\u0000${jobId}`;
}

/** The drill state of every job in the status report, keyed by drillKey. */
export function loadDrillStates(db: Db, cfg: Pick<CollectorConfig, 'drills'>, jobs: readonly JobStatus[], now: Date): Map<string, DrillState> {
  const settings: DrillSettings = cfg.drills ?? { warnAfterDays: 14, neverDrilled: 'drilled-sites' };
  const drilledSites = new Set(db.prepare<[], { site_id: string }>(`SELECT DISTINCT site_id FROM restores WHERE kind = 'drill'`).all().map((r) => r.site_id));
  const info = new Map<string, { plugin: string | null; firstSeenAt: number }>();
  for (const r of db.prepare<[], { site_id: string; job_id: string; plugin: string | null; first_seen_at: number }>('SELECT site_id, job_id, plugin, first_seen_at FROM jobs').all()) {
    info.set(drillKey(r.site_id, r.job_id), { plugin: r.plugin, firstSeenAt: r.first_seen_at });
  }
  const out = new Map<string, DrillState>();
  for (const j of jobs) {
    const key = drillKey(j.siteId, j.jobId);
    const i = info.get(key);
    const job = { source: j.source, plugin: i?.plugin ?? null, firstSeenAt: i ? new Date(i.firstSeenAt) : null, siteDrills: drilledSites.has(j.siteId) };
    out.set(key, drillState(job, lastSuccessfulDrill(db, j.siteId, j.jobId), lastRestore(db, j.siteId, j.jobId, 'drill'), settings, now));
  }
  return out;
}
