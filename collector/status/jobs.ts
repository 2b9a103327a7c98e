import type { Anomaly, JobFacts, JobState, JobStatus, RunRecord, StatusParams } from './types.ts';
import { runFacts } from './run-record.ts';
import { detectAnomalies, isSuccessful } from './anomalies.ts';
import { nextRunAfter } from './schedule.ts';
import { durationWords, median, plural, relativeWords } from './words.ts';

const MINUTE = 60_000;

/**
 * A run that started at most this long before the announced due time still counts as the run
 * that was due: node-schedule can fire a few milliseconds early, and an agent that then computes
 * "the next start after now" announces the very time it is running for.
 */
export const EARLY_START_TOLERANCE_MS = 30_000;

/**
 * The schedule is checked (see effectiveDue) only when the announced due time is at most this
 * long after the latest run's start: the repeated autumn hour puts the wrongly announced second
 * occurrence one DST shift (1 h; 2 h at Antarctica/Troll) after the run. A cron evaluation costs
 * about a millisecond, too much to spend on every late job.
 */
export const SCHEDULE_CHECK_WINDOW_MS = 2 * 60 * MINUTE + EARLY_START_TOLERANCE_MS;

/**
 * The state of one job at `now`. Rules (the engine's contract, tested in engine.test.ts):
 * - no runs: `never-reported`; `since` is the announced first run when it is overdue by more
 *   than lateAfterMinutes, else null (a new job that is simply not due yet).
 * - a due time (the agent's announced next run) passed by more than lateAfterMinutes, or by one
 *   and a half times the job's typical run time when that is longer (median of its recent runs,
 *   at most 12 h), with no run started at or after it: `late`; by that plus
 *   missingAfterMinutes: `missing`.
 *   `since` is the due time. A job without an announced next run is never late.
 * - otherwise the latest run's own status; `since` is the start of the first run of the current
 *   streak of failed (or warning) runs, null when ok.
 * Anomalies are computed for the latest run whatever the state.
 * - the last good run is the store's last ok or warning run, except that a latest run with
 *   anomalies is not a good backup (a copy of an emptied source "succeeds" with 0 files): then
 *   it is the newest earlier ok or warning run in recentRuns, or null when there is none.
 */
export function evaluateJob(job: JobFacts, params: StatusParams, now: Date, agentTimeZone: string | null): JobStatus {
  const latest = job.recentRuns[0] ?? null;
  const t = now.getTime();
  // A report arrives when its run ends: a job that usually runs 3 hours is not late 1 hour in.
  const lateMs = Math.max((job.lateAfterMinutes ?? params.lateAfterMinutes) * MINUTE, 1.5 * typicalDurationMs(job.recentRuns));
  let due = job.announcedNextRunAt;
  // The schedule check costs a cron parse, so it runs only when the job would otherwise be late.
  if (latest && due && t - due.getTime() > lateMs) due = effectiveDue(job, latest, agentTimeZone);
  const anomalies = withoutUnknownCounts(detectAnomalies(job.recentRuns, params), job);
  const good = lastGoodOf(job, latest, anomalies.length > 0);
  const lastGoodAgeMs = good ? t - good.endedAt : null;
  const v = verdict(job, latest, due, lateMs, t, params);
  const lastRun = latest && runFacts(latest);
  // One object literal per job with one shape, no spread: this runs for thousands of jobs per command.
  return {
    clientId: job.clientId,
    siteId: job.siteId,
    jobId: job.jobId,
    jobName: job.jobName,
    state: v.state,
    reason: v.reason,
    since: v.since,
    lastRun,
    lastGoodRun: good === latest ? lastRun : good && runFacts(good),
    lastGoodAgeMs,
    nextDueAt: due,
    anomalies,
    missingSequences: job.missingSequences,
    source: job.source,
    dueFrom: job.dueFrom,
  };
}

/**
 * Many tools' notifications state no file counts (stored as 0): the first such run of a
 * third-party job is not "examined 0 files". Later runs compare with a baseline of zeros, which
 * raises nothing; a tool that does report counts is judged like an agent.
 */
function withoutUnknownCounts(anomalies: Anomaly[], job: JobFacts): Anomaly[] {
  if (job.source !== 'third-party' || anomalies.length === 0 || job.recentRuns.length > 1) return anomalies;
  return anomalies.filter((a) => a.kind !== 'zero-files');
}

/**
 * The last good run (see evaluateJob). Only the latest run's anomalies are known here: the
 * earlier run taken instead is not checked for anomalies of its own, which would cost a
 * detectAnomalies per earlier run for a case (several anomalous runs in a row) the latest
 * run's ANOMALY already shows.
 */
function lastGoodOf(job: JobFacts, latest: RunRecord | null, latestAnomalous: boolean): RunRecord | null {
  const good = job.lastGoodRun;
  if (!latestAnomalous || good === null || latest === null) return good;
  // The store hands the same object when the last good run is among recentRuns; tests may not.
  if (good !== latest && good.runId !== latest.runId) return good;
  for (let i = 1; i < job.recentRuns.length; i++) {
    const r = job.recentRuns[i]!;
    if (isSuccessful(r)) return r;
  }
  return null;
}

interface Verdict {
  state: JobState;
  since: Date | null;
  reason: string;
}

/** The state, since when, and why, by the rules of evaluateJob. */
function verdict(job: JobFacts, latest: RunRecord | null, due: Date | null, lateMs: number, t: number, params: StatusParams): Verdict {
  const overdueMs = due ? t - due.getTime() : null;

  if (!latest) {
    if (overdueMs === null) return { state: 'never-reported', since: null, reason: 'no report yet and no run announced' };
    if (overdueMs > lateMs) {
      return { state: 'never-reported', since: due, reason: `no report yet; the first run was due ${relativeWords(overdueMs)}` };
    }
    return { state: 'never-reported', since: null, reason: `no report yet; the first run is due ${relativeWords(overdueMs)}` };
  }

  if (due && overdueMs !== null && overdueMs > lateMs && latest.startedAt < due.getTime() - EARLY_START_TOLERANCE_MS) {
    const missing = overdueMs > lateMs + params.missingAfterMinutes * MINUTE;
    const after = latest.status === 'ok' ? '' : ` (the last run ${latest.status === 'failed' ? 'failed' : 'ended with warnings'})`;
    return { state: missing ? 'missing' : 'late', since: due, reason: `no report for the run due ${relativeWords(overdueMs)}${after}` };
  }

  if (latest.status === 'ok') return { state: 'ok', since: null, reason: `last run ok, ${relativeWords(t - latest.endedAt)}` };
  const streak = streakOf(job.recentRuns, latest.status);
  const first = streak[streak.length - 1]!;
  const detail = latest.firstError ? `: ${latest.firstError}` : '';
  const word = latest.status === 'failed' ? 'failed' : 'ended with warnings';
  const reason =
    streak.length === 1
      ? `last run ${word}${detail}`
      : `${plural(streak.length, 'run')} in a row ${word}, for ${durationWords(t - first.startedAt)}${detail}`;
  return { state: latest.status, since: new Date(first.startedAt), reason };
}

/** The newest runs with the given status, up to the first run with another (newest first). */
function streakOf(runs: readonly RunRecord[], status: RunRecord['status']): RunRecord[] {
  const out: RunRecord[] = [];
  for (const r of runs) {
    if (r.status !== status) break;
    out.push(r);
  }
  return out;
}

/**
 * The announced due time, checked against the schedule when the latest run started before it:
 * computed from inside the repeated autumn hour, cron-parser gives the second 02:30 even though
 * node-schedule fired the job at the first one and will not fire it again until the next day.
 * When the schedule, computed from the latest run's start in the agent's zone, says the next
 * start is later than announced, that later time is the one to wait for. Any doubt (no schedule,
 * no zone, a schedule that does not parse) keeps the announcement.
 */
function effectiveDue(job: JobFacts, latest: RunRecord, tz: string | null): Date | null {
  const announced = job.announcedNextRunAt;
  if (!announced || !job.schedule || !tz) return announced;
  const gap = announced.getTime() - latest.startedAt;
  if (gap <= 0 || gap > SCHEDULE_CHECK_WINDOW_MS) return announced;
  try {
    const next = nextRunAfter(job.schedule, tz, new Date(latest.startedAt + EARLY_START_TOLERANCE_MS));
    return next && next.getTime() > announced.getTime() ? next : announced;
  } catch {
    return announced;
  }
}

/** Median duration of the latest runs (up to 7), capped at 12 h; 0 without runs. */
export function typicalDurationMs(runs: readonly RunRecord[]): number {
  const n = Math.min(runs.length, TYPICAL_RUNS);
  if (n === 0) return 0;
  for (let i = 0; i < n; i++) durations[i] = Math.max(0, runs[i]!.endedAt - runs[i]!.startedAt);
  return Math.min(median(durations, n), 12 * 60 * MINUTE);
}

const TYPICAL_RUNS = 7;
const durations = new Float64Array(TYPICAL_RUNS);
