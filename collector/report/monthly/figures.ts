import type { RunStatus } from '../../../core/result/schema.ts';
import { EARLY_START_TOLERANCE_MS } from '../../status/jobs.ts';

/**
 * The figures of one job for one month, a pure function of its runs and its scheduled times.
 * The definitions (README "Monthly compliance report" says the same for users):
 * - A scheduled job's EXPECTED runs are its cron occurrences in the month. Each occurrence owns
 *   the runs that started from it (less the engine's early-start tolerance) up to the next one.
 *   It is GOOD when one of them is a good backup, FAILED when it has runs but none is good, and
 *   MISSED when it has none; an occurrence whose report may still arrive (its time plus the
 *   grace after which the status engine calls a job missing is still ahead) is PENDING and not
 *   counted. Occurrences before the job was first heard of are not counted.
 * - A job without a schedule (a third-party job with no `schedule:`) cannot miss a run that
 *   nobody announced: its expected runs are the days of the month (in the reader's zone) with
 *   at least one run, good when one of that day's runs was good.
 * - The share is good / expected, rounded DOWN to one decimal (99.96% shows as 99.9%, never
 *   as 100% while one run was bad).
 * - A FAILURE starts at a failed run (or at the time of a missed run) after a good backup and
 *   lasts until the next good run ended (a backup exists again), or to the end of the month.
 * - The LONGEST GAP is the longest time without a good backup: between the ends of consecutive
 *   good runs, starting from the last good run before the month, ending at the end of the month
 *   (or now, for the month in progress).
 * Whether a run is a good backup is decided by the caller (good.ts: the status engine's rule).
 */
export interface MonthRun {
  runId: string;
  startedAt: number;
  endedAt: number;
  status: RunStatus;
  /** A good backup by the status engine's rule. */
  good: boolean;
  firstError: string | null;
}

export interface JobMonthInput {
  /** Runs that started in [window.start, window.end), oldest first. */
  runs: readonly MonthRun[];
  /** The newest good run that started before the month, if any. */
  lastGoodBefore: Pick<MonthRun, 'endedAt'> | null;
  /** The newest run that started before the month, if any. */
  lastBefore: Pick<MonthRun, 'good'> | null;
  /** Scheduled instants in [window.start, window.end), ascending, and the first one after; null: no schedule. */
  schedule: { occurrences: readonly number[]; next: number | null } | null;
  /** When the collector first heard of the job (occurrences before it are not counted). */
  knownFrom: number;
  /** The month, clipped to now for the month in progress. */
  window: { start: number; end: number };
  now: number;
  /** How long after a scheduled time a run may still report before it counts as missed. */
  graceMs: number;
  /** A run's local day (for a job without a schedule). */
  dayOf: (ms: number) => string;
}

export interface Failure {
  start: number;
  end: number;
  /** Not resolved by the end of the window. */
  ongoing: boolean;
  /** Expected runs in it that failed, that ran without error but raised an anomaly, and that did not run. */
  failed: number;
  anomalous: number;
  missed: number;
  /** The job was already without a good backup when the month began. */
  carriedOver: boolean;
  firstError: string | null;
}

export interface JobFigures {
  basis: 'schedule' | 'days';
  expected: number;
  good: number;
  /** Expected runs that ran but produced no good backup (failed, or questioned by an anomaly). */
  failed: number;
  missed: number;
  pending: number;
  /** Good runs that ended with warnings (they count as good, as for the status' last good backup). */
  warnings: number;
  runs: number;
  /** good / expected in percent, rounded down to 0.1; null when nothing was expected. */
  percent: number | null;
  failures: Failure[];
  longestGap: { from: number; to: number; ms: number; fromBeforeMonth: boolean } | null;
}

interface BadEvent {
  at: number;
  kind: 'failed' | 'anomalous' | 'missed';
  error: string | null;
}

/** The share good / expected, rounded down to one decimal. */
export function percentOf(good: number, expected: number): number | null {
  return expected === 0 ? null : Math.floor((good * 1000) / expected) / 10;
}

export function jobFigures(input: JobMonthInput): JobFigures {
  const bad: BadEvent[] = [];
  let expected = 0;
  let good = 0;
  let failed = 0;
  let missed = 0;
  let pending = 0;
  if (input.schedule) {
    const from = input.knownFrom - EARLY_START_TOLERANCE_MS;
    const occ = input.schedule.occurrences.filter((t) => t >= from);
    const runs = input.runs;
    let i = 0;
    // Runs before the first counted occurrence belong to an earlier one (or to before the job was known).
    while (i < runs.length && runs[i]!.startedAt < (occ[0] ?? Infinity) - EARLY_START_TOLERANCE_MS) i++;
    for (let k = 0; k < occ.length; k++) {
      const slotEnd = (occ[k + 1] ?? input.schedule.next ?? Infinity) - EARLY_START_TOLERANCE_MS;
      const mine: MonthRun[] = [];
      while (i < runs.length && runs[i]!.startedAt < slotEnd) mine.push(runs[i++]!);
      if (mine.some((r) => r.good)) {
        expected++;
        good++;
      } else if (mine.length > 0) {
        expected++;
        failed++;
        bad.push(badRun(mine));
      } else if (occ[k]! + input.graceMs > input.now) {
        pending++;
      } else {
        expected++;
        missed++;
        bad.push({ at: occ[k]!, kind: 'missed', error: null });
      }
    }
  } else {
    const days = new Map<string, MonthRun[]>();
    for (const r of input.runs) {
      const d = input.dayOf(r.startedAt);
      const list = days.get(d);
      if (list) list.push(r);
      else days.set(d, [r]);
    }
    for (const list of days.values()) {
      expected++;
      if (list.some((r) => r.good)) good++;
      else {
        failed++;
        bad.push(badRun(list));
      }
    }
  }
  return {
    basis: input.schedule ? 'schedule' : 'days',
    expected, good, failed, missed, pending,
    warnings: input.runs.filter((r) => r.good && r.status === 'warning').length,
    runs: input.runs.length,
    percent: percentOf(good, expected),
    failures: failuresOf(bad, input),
    longestGap: longestGap(input),
  };
}

/** An expected run with runs but no good one: failed when one of them failed, else anomalous. */
function badRun(runs: readonly MonthRun[]): BadEvent {
  const f = runs.find((r) => r.status === 'failed');
  return f ? { at: runs[0]!.startedAt, kind: 'failed', error: f.firstError } : { at: runs[0]!.startedAt, kind: 'anomalous', error: null };
}

/** Failure episodes: from a bad expected run after a good backup until the next good run ended. */
function failuresOf(bad: readonly BadEvent[], input: JobMonthInput): Failure[] {
  const goods = input.runs.filter((r) => r.good);
  const out: Failure[] = [];
  let open: Failure | null = null;
  let g = 0;
  let seenGood = false;
  for (const e of bad) {
    // A good run that started before this bad event ends the open failure.
    while (g < goods.length && goods[g]!.startedAt < e.at) {
      if (open) {
        out.push({ ...open, end: Math.min(goods[g]!.endedAt, input.window.end) });
        open = null;
      }
      seenGood = true;
      g++;
    }
    if (!open) {
      const carriedOver = !seenGood && input.lastBefore !== null && !input.lastBefore.good;
      open = { start: e.at, end: e.at, ongoing: false, failed: 0, anomalous: 0, missed: 0, carriedOver, firstError: null };
    }
    open[e.kind]++;
    open.firstError ??= e.error;
  }
  if (open) {
    const next = goods[g];
    out.push(next ? { ...open, end: Math.min(next.endedAt, input.window.end) } : { ...open, end: input.window.end, ongoing: true });
  }
  return out;
}

/** The longest stretch without a good backup (see the module comment). */
function longestGap(input: JobMonthInput): JobFigures['longestGap'] {
  const first = input.lastGoodBefore?.endedAt ?? Math.max(input.window.start, input.knownFrom);
  if (first >= input.window.end) return null;
  const points = [first];
  for (const r of input.runs) if (r.good && r.endedAt > points[points.length - 1]! && r.endedAt < input.window.end) points.push(r.endedAt);
  points.push(input.window.end);
  let best: JobFigures['longestGap'] = null;
  for (let i = 1; i < points.length; i++) {
    const ms = points[i]! - points[i - 1]!;
    if (!best || ms > best.ms) best = { from: points[i - 1]!, to: points[i]!, ms, fromBeforeMonth: points[i - 1]! < input.window.start };
  }
  return best;
}
