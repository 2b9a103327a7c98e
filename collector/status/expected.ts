import { EARLY_START_TOLERANCE_MS } from './jobs.ts';
import { plainRun } from './run-record.ts';
import { nextRunAfter } from './schedule.ts';
import type { RunRecord } from './types.ts';
import { median } from './words.ts';

/**
 * When a third-party job should next report. Other tools announce no next run, so it comes
 * from the config (a cron expression with a zone: `schedule`) or, without one, is learned from
 * the history: the median gap between the starts of the latest runs (at least MIN_LEARN_RUNS
 * runs, else nothing is expected yet). A learned due time is a guess, and is said to be one.
 */
export interface Expectation {
  dueAt: Date | null;
  how: 'schedule' | 'learned' | null;
}

/** Runs needed before the usual interval is learned. */
export const MIN_LEARN_RUNS = 3;
const LEARN_FROM = 8;

export function expectedNext(runs: readonly RunRecord[], schedule: { cron: string; timeZone: string } | null): Expectation {
  const latest = runs[0];
  if (!latest) return { dueAt: null, how: null };
  if (schedule) {
    try {
      return { dueAt: nextRunAfter(schedule.cron, schedule.timeZone, new Date(latest.startedAt + EARLY_START_TOLERANCE_MS)), how: 'schedule' };
    } catch {
      return { dueAt: null, how: null };
    }
  }
  const gaps: number[] = [];
  for (let i = 1; i < runs.length && i < LEARN_FROM; i++) gaps.push(runs[i - 1]!.startedAt - runs[i]!.startedAt);
  const positive = gaps.filter((g) => g > 0);
  if (positive.length < MIN_LEARN_RUNS - 1) return { dueAt: null, how: null };
  return { dueAt: new Date(latest.startedAt + median(positive)), how: 'learned' };
}

/**
 * Several results a day for one job (retries, hourly jobs), combined by the job's rule:
 * `worst`: the day is as bad as its worst run; `last`: the last run decides, but a day that
 * mixed success and failure is a warning. Returns the runs with the latest one replaced by the
 * day's verdict (a copy), or the same array when nothing changes. `day` gives a run's calendar
 * day in the client's zone.
 */
export function combineDay(runs: readonly RunRecord[], mode: 'last' | 'worst', day: (ms: number) => string): readonly RunRecord[] {
  const latest = runs[0];
  if (!latest || runs.length < 2) return runs;
  const today = day(latest.startedAt);
  let failed = 0;
  let good = 0;
  let worst: RunRecord = latest;
  for (const r of runs) {
    if (day(r.startedAt) !== today) break;
    if (r.status === 'failed') failed++;
    else good++;
    if (rank(r.status) > rank(worst.status)) worst = r;
  }
  if (failed === 0 || good + failed < 2) return runs;
  let replaced: RunRecord;
  if (mode === 'worst') {
    if (worst === latest) return runs;
    replaced = { ...plainRun(latest), status: worst.status, firstError: `an earlier run that day ${worst.status === 'failed' ? 'failed' : 'warned'}${worst.firstError ? `: ${worst.firstError}` : ''}` };
  } else {
    if (latest.status === 'failed') return runs;
    replaced = { ...plainRun(latest), status: 'warning', firstError: `the day mixed success and failure: ${good} succeeded, ${failed} failed` };
  }
  return [replaced, ...runs.slice(1)];
}

const rank = (s: RunRecord['status']) => (s === 'failed' ? 2 : s === 'warning' ? 1 : 0);
