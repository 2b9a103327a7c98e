import type { RunFacts, RunRecord } from './types.ts';

/**
 * A plain-object copy of a run record: for JSON, tests, and callers that keep it after the store
 * reused what it was read from (store/summary.ts hands out in-place views).
 */
export function plainRun(r: RunRecord): RunRecord {
  return {
    runId: r.runId,
    sequence: r.sequence,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    receivedAt: r.receivedAt,
    sentAt: r.sentAt,
    status: r.status,
    filesExamined: r.filesExamined,
    filesCopied: r.filesCopied,
    filesFailed: r.filesFailed,
    bytesExamined: r.bytesExamined,
    bytesCopied: r.bytesCopied,
    verificationMismatches: r.verificationMismatches,
    firstError: r.firstError,
  };
}

/**
 * A run with Date times, as a JobStatus shows it. Only the one or two runs each job reports are
 * converted; the engine reads the rest as numbers.
 */
export function runFacts(r: RunRecord): RunFacts {
  return { ...plainRun(r), startedAt: new Date(r.startedAt), endedAt: new Date(r.endedAt), receivedAt: new Date(r.receivedAt), sentAt: new Date(r.sentAt) };
}
