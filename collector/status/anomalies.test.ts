import { describe, expect, it } from 'vitest';
import { detectAnomalies } from './anomalies.ts';
import { evaluateStatus } from './engine.ts';
import { TEST_PARAMS, dailyRuns, testFacts, testJob } from './testing.ts';
import type { RunRecord } from './types.ts';

const NEWEST = '2026-11-23T01:30:00Z';
const kinds = (runs: RunRecord[], params = TEST_PARAMS) => detectAnomalies(runs, params).map((a) => a.kind);
/** Seven daily runs with sizes that vary a little from day to day; `latest` changes the newest. */
function history(latest: Partial<RunRecord>): RunRecord[] {
  return dailyRuns(7, NEWEST, (i) => (i === 0 ? latest : { bytesExamined: 5_000_000_000 + i * 1_000_000, filesExamined: 1000 + i }));
}

describe('anomalies of runs that called themselves successful', () => {
  it('finds none in a normal run', () => {
    expect(kinds(history({}))).toEqual([]);
  });

  it('flags zero files examined while earlier runs examined files', () => {
    const a = detectAnomalies(history({ filesExamined: 0, filesCopied: 0, bytesExamined: 0, bytesCopied: 0 }), TEST_PARAMS);
    expect(a.map((x) => x.kind)).toEqual(['zero-files']);
    expect(a[0]!.message).toContain('source empty or not mounted');
  });

  it('flags zero files on the very first run, when there is nothing to compare with', () => {
    expect(kinds(dailyRuns(1, NEWEST, () => ({ filesExamined: 0, filesCopied: 0, bytesExamined: 0 })))).toEqual(['zero-files']);
  });

  it('leaves alone a job that has always reported zero files (a tool without counts)', () => {
    expect(kinds(dailyRuns(5, NEWEST, () => ({ filesExamined: 0, filesCopied: 0, bytesExamined: 0, bytesCopied: 0 })))).toEqual([]);
  });

  it('flags zero files copied when every recent run copied some', () => {
    expect(kinds(history({ filesCopied: 0, bytesCopied: 0 }))).toEqual(['zero-files']);
  });

  it('does not flag zero files copied for a job that often copies nothing', () => {
    const runs = dailyRuns(7, NEWEST, (i) => ({ filesCopied: i % 2 === 0 ? 0 : 5, bytesExamined: 5e9 + i, filesExamined: 1000 + i }));
    expect(kinds(runs)).toEqual([]);
  });

  it('flags a 60% size drop with a drop fraction of 0.5', () => {
    const a = detectAnomalies(history({ bytesExamined: 2_000_000_000 }), { ...TEST_PARAMS, dropFraction: 0.5 });
    expect(a.map((x) => x.kind)).toEqual(['size-drop']);
    expect(a[0]!.message).toContain('60% less than the median');
  });

  it('does not flag a 40% size drop with a drop fraction of 0.5', () => {
    expect(kinds(history({ bytesExamined: 3_000_000_000 }), { ...TEST_PARAMS, dropFraction: 0.5 })).toEqual([]);
  });

  it('flags a file count drop beyond the fraction', () => {
    expect(kinds(history({ filesExamined: 300 }))).toEqual(['count-drop']);
  });

  it('compares only with successful runs, as a failed run has partial counts', () => {
    const runs = dailyRuns(7, NEWEST, (i) => (i === 0 ? { bytesExamined: 2e9 } : i <= 4 ? { status: 'failed', bytesExamined: 1e9 } : {}));
    expect(kinds(runs)).toEqual([]); // two successful runs before it: too few for a median
    const more = dailyRuns(9, NEWEST, (i) => (i === 0 ? { bytesExamined: 2e9 } : i <= 4 ? { status: 'failed', bytesExamined: 1e9 } : { bytesExamined: 5e9 + i }));
    expect(kinds(more)).toEqual(['size-drop']);
  });

  it('flags the same size for sameSizeRuns successful runs in a row', () => {
    const runs = dailyRuns(7, NEWEST, (i) => (i < 4 ? {} : { bytesExamined: 4e9 + i }));
    const a = detectAnomalies(runs, { ...TEST_PARAMS, sameSizeRuns: 4 });
    expect(a.map((x) => x.kind)).toEqual(['same-size']);
    expect(a[0]!.message).toContain('4 runs in a row although files were copied');
  });

  it('words the same size with nothing copied as a frozen source', () => {
    const runs = dailyRuns(4, NEWEST, () => ({ filesCopied: 0, bytesCopied: 0 }));
    expect(detectAnomalies(runs, { ...TEST_PARAMS, sameSizeRuns: 4 })[0]!.message).toContain('frozen copy');
  });

  it('does not flag the same size for fewer runs in a row than sameSizeRuns', () => {
    const runs = dailyRuns(7, NEWEST, (i) => (i < 3 ? {} : { bytesExamined: 4e9 + i }));
    expect(kinds(runs, { ...TEST_PARAMS, sameSizeRuns: 4 })).toEqual([]);
  });

  it('flags verification mismatches', () => {
    const a = detectAnomalies(history({ verificationMismatches: 3 }), TEST_PARAMS);
    expect(a).toEqual([{ kind: 'verification-mismatch', message: '3 files did not verify after the copy' }]);
  });

  it('does not question a run that failed', () => {
    expect(kinds(history({ status: 'failed', filesExamined: 0, verificationMismatches: 2 }))).toEqual([]);
  });

  it('lists anomalies without changing the state', () => {
    const job = testJob({ recentRuns: history({ status: 'warning', bytesExamined: 1e9 }) });
    const s = evaluateStatus(testFacts({ jobs: [job] }), TEST_PARAMS, new Date('2026-11-23T09:00:00Z')).jobs[0]!;
    expect(s.state).toBe('warning');
    expect(s.anomalies.map((a) => a.kind)).toEqual(['size-drop']);
  });
});
