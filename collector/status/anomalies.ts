import { formatBytes } from '../../core/units.ts';
import type { Anomaly, RunRecord, StatusParams } from './types.ts';
import { median, plural } from './words.ts';

/** What anomalies read of a run: its status and counts, never its times (a RunRecord or a RunFacts). */
export type RunCounts = Pick<RunRecord, 'status' | 'filesExamined' | 'filesCopied' | 'bytesExamined' | 'bytesCopied' | 'verificationMismatches'>;

/** Fewer earlier successful runs than this give no median to compare with (drops, zero-copied). */
export const MIN_BASELINE_RUNS = 3;

/** A run that called itself successful: the only runs whose numbers anomalies question. */
export function isSuccessful(run: RunCounts): boolean {
  return run.status === 'ok' || run.status === 'warning';
}

/**
 * Anomalies of the latest run when it called itself successful; [] otherwise (a failed run is
 * already a bad state). `runs` is newest first. The baseline is the previous successful runs, at
 * most `medianWindow` of them (failed runs are left out: their counts are partial). Definitions:
 *
 * - zero-files: the run examined 0 files while no earlier run is known, or some baseline run
 *   examined files ("is the source empty or not mounted?"). A job whose every baseline run
 *   examined 0 files is left alone: that is its normal (a tool that reports no counts). Also:
 *   the run copied 0 files while it examined some, and each of at least MIN_BASELINE_RUNS
 *   baseline runs copied files (a job that always copies something suddenly copied nothing).
 * - size-drop / count-drop: bytesExamined / filesExamined below (1 - dropFraction) x the
 *   baseline median, given at least MIN_BASELINE_RUNS baseline runs and a median above 0.
 *   Not reported together with a zero-files "examined 0" (that already says it all).
 * - same-size: the latest `sameSizeRuns` successful runs (failed runs in between skipped) all
 *   report identical bytesExamined and filesExamined, above 0. A live file server changes every
 *   day; identical totals mean the backup reads a frozen copy (a stale snapshot or mount) or
 *   the tool reports stale numbers. Both cases are flagged, with different words.
 * - verification-mismatch: the run re-read files after the copy and some did not match.
 */
export function detectAnomalies(runs: readonly RunCounts[], params: StatusParams): Anomaly[] {
  const latest = runs[0];
  if (!latest || !isSuccessful(latest)) return [];
  // Loops rather than filter/slice: this runs for every job on every `collector status`.
  const baseline: RunCounts[] = [];
  for (let i = 1; i < runs.length && baseline.length < params.medianWindow; i++) {
    if (isSuccessful(runs[i]!)) baseline.push(runs[i]!);
  }
  const out: Anomaly[] = [];

  const examinedNone = latest.filesExamined === 0 && (baseline.length === 0 || baseline.some((r) => r.filesExamined > 0));
  if (examinedNone) {
    out.push({
      kind: 'zero-files',
      message:
        baseline.length === 0
          ? 'examined 0 files: is the source empty or not mounted?'
          : `examined 0 files where recent runs examined a median of ${Math.round(median(baseline.map((r) => r.filesExamined))).toLocaleString('en-US')}: is the source empty or not mounted?`,
    });
  } else if (
    latest.filesCopied === 0 &&
    latest.filesExamined > 0 &&
    baseline.length >= MIN_BASELINE_RUNS &&
    baseline.every((r) => r.filesCopied > 0)
  ) {
    out.push({
      kind: 'zero-files',
      message: `copied 0 of ${latest.filesExamined} files where each of the last ${baseline.length} runs copied some`,
    });
  }

  if (!examinedNone && baseline.length >= MIN_BASELINE_RUNS) {
    const keep = 1 - params.dropFraction;
    const bytesMedian = medianOf(baseline, 'bytesExamined');
    if (bytesMedian > 0 && latest.bytesExamined < keep * bytesMedian) {
      out.push({
        kind: 'size-drop',
        message: `examined ${formatBytes(latest.bytesExamined)}, ${dropPercent(latest.bytesExamined, bytesMedian)}% less than the median ${formatBytes(bytesMedian)} of the last ${plural(baseline.length, 'run')}`,
      });
    }
    const filesMedian = medianOf(baseline, 'filesExamined');
    if (filesMedian > 0 && latest.filesExamined < keep * filesMedian) {
      out.push({
        kind: 'count-drop',
        message: `examined ${plural(latest.filesExamined, 'file')}, ${dropPercent(latest.filesExamined, filesMedian)}% fewer than the median ${filesMedian} of the last ${plural(baseline.length, 'run')}`,
      });
    }
  }

  const same = sameSize(runs, params.sameSizeRuns);
  if (same) out.push(same);

  if (latest.verificationMismatches > 0) {
    out.push({
      kind: 'verification-mismatch',
      message: `${plural(latest.verificationMismatches, 'file')} did not verify after the copy`,
    });
  }
  return out;
}

function sameSize(runs: readonly RunCounts[], n: number): Anomaly | null {
  const first = runs[0];
  if (n < 2 || !first || first.bytesExamined <= 0) return null;
  const streak: RunCounts[] = [];
  for (const r of runs) {
    if (!isSuccessful(r)) continue;
    if (r.bytesExamined !== first.bytesExamined || r.filesExamined !== first.filesExamined) return null;
    streak.push(r);
    if (streak.length === n) break;
  }
  if (streak.length < n) return null;
  const what = `${formatBytes(first.bytesExamined)} in ${plural(first.filesExamined, 'file')}`;
  const copied = streak.some((r) => r.filesCopied > 0 || r.bytesCopied > 0);
  return {
    kind: 'same-size',
    message: copied
      ? `exactly the same total (${what}) for ${n} runs in a row although files were copied: are the reported numbers stale?`
      : `exactly the same total (${what}) and nothing copied for ${n} runs in a row: is the backup reading a frozen copy of the source?`,
  };
}

/** A baseline is at most medianWindow runs (26 at most today); a longer one gets its own array. */
const values = new Float64Array(32);

/** The median of one count over the baseline, without a mapped copy per job. */
function medianOf(runs: readonly RunCounts[], key: 'bytesExamined' | 'filesExamined'): number {
  const xs = runs.length <= values.length ? values : new Float64Array(runs.length);
  for (let i = 0; i < runs.length; i++) xs[i] = runs[i]![key];
  return median(xs, runs.length);
}

function dropPercent(value: number, medianValue: number): number {
  return Math.round((1 - value / medianValue) * 100);
}
