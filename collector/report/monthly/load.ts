import type { RunStatus } from '../../../core/result/schema.ts';
import { localDate } from '../../../core/time.ts';
import type { CollectorConfig } from '../../config.ts';
import { toStatusParams } from '../../config.ts';
import type { Db } from '../../store/db.ts';
import { recentRunsFor, thirdPartySettings } from '../../store/facts.ts';
import { jobFigures, type JobFigures, type MonthRun } from './figures.ts';
import { goodFlags } from './good.ts';
import type { MonthWindow } from './month.ts';
import { occurrencesIn } from './occurrences.ts';

/**
 * Reads one client's jobs and their runs of a month from the store and computes each job's
 * figures. Which jobs are the client's is decided as everywhere else: an agent job by the
 * config's site -> client mapping, a third-party job by the client its rule mapped it to.
 */
export interface JobMonth {
  siteId: string;
  jobId: string;
  name: string;
  source: 'agent' | 'third-party';
  /** The schedule the figures were counted by, or null (days with a run). */
  schedule: { cron: string; timeZone: string } | null;
  /** Why a job has no usable schedule, when it has none. */
  scheduleNote: string | null;
  figures: JobFigures;
}

/** Runs before the month read for the anomaly baseline and the last good backup before it. */
const BEFORE_RUNS = 200;

interface JobRow { site_id: string; job_id: string; name: string; schedule: string | null; first_seen_at: number; client_id: string | null; rule: string | null; zone: string | null }
interface RunRow {
  run_id: string; started_at: number; ended_at: number; status: RunStatus; files_examined: number; files_copied: number;
  bytes_examined: number; bytes_copied: number; verification_mismatches: number; first_error: string | null;
}
const RUN_COLUMNS = 'run_id, started_at, ended_at, status, files_examined, files_copied, bytes_examined, bytes_copied, verification_mismatches, first_error';

function stmts(db: Db) {
  return {
    jobs: db.prepare<[number], JobRow>(`SELECT j.site_id, j.job_id, j.name, j.schedule, j.first_seen_at, j.client_id, j.rule, s.agent_time_zone AS zone
      FROM jobs j LEFT JOIN sites s ON s.site_id = j.site_id WHERE j.first_seen_at < ? ORDER BY j.site_id, j.job_id`),
    inMonth: db.prepare<[string, string, number, number], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE site_id = ? AND job_id = ? AND started_at >= ? AND started_at < ? ORDER BY started_at DESC`),
    before: db.prepare<[string, string, number, number], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE site_id = ? AND job_id = ? AND started_at < ? ORDER BY started_at DESC LIMIT ?`),
  };
}

const counts = (r: RunRow) => ({
  status: r.status, filesExamined: r.files_examined, filesCopied: r.files_copied, bytesExamined: r.bytes_examined,
  bytesCopied: r.bytes_copied, verificationMismatches: r.verification_mismatches,
});

/** The figures of every job of `clientId` for the month `w` (its zone is the client's), at `now`. */
export function loadClientMonth(db: Db, cfg: CollectorConfig, clientId: string, w: MonthWindow, now: Date): JobMonth[] {
  const s = stmts(db);
  const params = toStatusParams(cfg);
  const window = recentRunsFor(cfg);
  const sitesOf = new Set(cfg.sites.filter((x) => x.client === clientId).map((x) => x.id));
  const end = Math.min(w.end, now.getTime());
  const out: JobMonth[] = [];
  for (const j of s.jobs.all(end)) {
    const thirdParty = j.client_id !== null;
    if (thirdParty ? j.client_id !== clientId : !sitesOf.has(j.site_id)) continue;
    const month = s.inMonth.all(j.site_id, j.job_id, w.start, end);
    const before = s.before.all(j.site_id, j.job_id, w.start, BEFORE_RUNS + window);
    const all = [...month, ...before];
    const flags = goodFlags(all.map(counts), params, window);
    const runs: MonthRun[] = month.map((r, i) => ({
      runId: r.run_id, startedAt: r.started_at, endedAt: r.ended_at, status: r.status, good: flags[i]!, firstError: r.first_error,
    })).reverse();
    const goodBefore = before.findIndex((_, i) => flags[month.length + i]);
    let schedule: JobMonth['schedule'] = null;
    let scheduleNote: string | null = null;
    let graceMinutes = cfg.grace.lateAfterMinutes;
    if (thirdParty) {
      const set = thirdPartySettings(cfg, j.rule, j.site_id, j.job_id);
      if (set.schedule) {
        schedule = { cron: set.schedule.cron, timeZone: set.schedule.timeZone };
        graceMinutes = set.schedule.graceMinutes ?? graceMinutes;
      } else scheduleNote = 'no schedule is configured for this job';
    } else if (j.schedule) {
      schedule = { cron: j.schedule, timeZone: j.zone ?? cfg.clients.find((c) => c.id === clientId)!.timeZone };
    } else scheduleNote = 'the agent announced no schedule for this job';
    let occ: { occurrences: number[]; next: number | null } | null = null;
    if (schedule) {
      try {
        occ = occurrencesIn(schedule.cron, schedule.timeZone, w.start, end);
      } catch (e) {
        scheduleNote = `its schedule "${schedule.cron}" cannot be used (${(e as Error).message})`;
        schedule = null;
      }
    }
    const figures = jobFigures({
      runs,
      lastGoodBefore: goodBefore >= 0 ? { endedAt: before[goodBefore]!.ended_at } : null,
      lastBefore: before[0] ? { good: flags[month.length]! } : null,
      schedule: occ,
      knownFrom: Math.min(j.first_seen_at, runs[0]?.startedAt ?? Infinity, before.at(-1)?.started_at ?? Infinity),
      window: { start: w.start, end },
      now: now.getTime(),
      graceMs: (graceMinutes + cfg.grace.missingAfterMinutes) * 60_000,
      dayOf: (ms) => localDate(ms, w.zone),
    });
    out.push({ siteId: j.site_id, jobId: j.job_id, name: j.name, source: thirdParty ? 'third-party' : 'agent', schedule, scheduleNote, figures });
  }
  return out;
}
