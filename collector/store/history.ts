import type { RunStatus } from '../../core/result/schema.ts';
import type { Db } from './db.ts';

/** One run as `collector history` shows it. */
export interface HistoryRun {
  runId: string;
  sequence: number;
  startedAt: Date;
  endedAt: Date;
  receivedAt: Date;
  status: RunStatus;
  exitCode: number | null;
  files: { examined: number; copied: number; skipped: number; failed: number; extra: number };
  bytes: { examined: number; copied: number; skipped: number; failed: number; extra: number };
  verificationMismatches: number;
  firstError: string | null;
}

export interface JobHistory {
  siteId: string;
  jobId: string;
  name: string;
  plugin: string | null;
  /** `agent`: signed results of a Synecdoche agent; `third-party`: another tool's unsigned notifications. */
  source: 'agent' | 'third-party';
  signed: boolean;
  schedule: string | null;
  nextRunAt: Date | null;
  runs: HistoryRun[];
  /** Sequence numbers that never arrived, as ranges. */
  gaps: { from: number; to: number }[];
}

interface RunRow {
  run_id: string; sequence: number; started_at: number; ended_at: number; received_at: number; status: RunStatus; exit_code: number | null;
  files_examined: number; files_copied: number; files_skipped: number; files_failed: number; files_extra: number;
  bytes_examined: number; bytes_copied: number; bytes_skipped: number; bytes_failed: number; bytes_extra: number;
  verification_mismatches: number; first_error: string | null;
}

/** A job's runs, newest first, up to `limit`; undefined when the job is not known. */
export function jobHistory(db: Db, siteId: string, jobId: string, limit: number): JobHistory | undefined {
  const job = db.prepare<[string, string], { name: string; plugin: string | null; schedule: string | null; next_run_at: number | null; client_id: string | null }>(
    'SELECT name, plugin, schedule, next_run_at, client_id FROM jobs WHERE site_id = ? AND job_id = ?',
  ).get(siteId, jobId);
  if (!job) return undefined;
  const rows = db.prepare<[string, string, number], RunRow>('SELECT * FROM runs WHERE site_id = ? AND job_id = ? ORDER BY started_at DESC LIMIT ?').all(siteId, jobId, limit);
  const gaps = db.prepare<[string, string], { from_seq: number; to_seq: number }>('SELECT from_seq, to_seq FROM sequence_gaps WHERE site_id = ? AND job_id = ? ORDER BY from_seq').all(siteId, jobId);
  return {
    siteId,
    jobId,
    name: job.name,
    plugin: job.plugin,
    // Only third-party jobs carry their client (agent jobs get theirs from the site's config).
    source: job.client_id === null ? 'agent' : 'third-party',
    signed: job.client_id === null,
    schedule: job.schedule,
    nextRunAt: job.next_run_at === null ? null : new Date(job.next_run_at),
    gaps: gaps.map((g) => ({ from: g.from_seq, to: g.to_seq })),
    runs: rows.map((r) => ({
      runId: r.run_id,
      sequence: r.sequence,
      startedAt: new Date(r.started_at),
      endedAt: new Date(r.ended_at),
      receivedAt: new Date(r.received_at),
      status: r.status,
      exitCode: r.exit_code,
      files: { examined: r.files_examined, copied: r.files_copied, skipped: r.files_skipped, failed: r.files_failed, extra: r.files_extra },
      bytes: { examined: r.bytes_examined, copied: r.bytes_copied, skipped: r.bytes_skipped, failed: r.bytes_failed, extra: r.bytes_extra },
      verificationMismatches: r.verification_mismatches,
      firstError: r.first_error,
    })),
  };
}

/** Known job ids of a site (for "no such job" messages). */
export function jobsOfSite(db: Db, siteId: string): string[] {
  return db.prepare<[string], { job_id: string }>('SELECT job_id FROM jobs WHERE site_id = ? ORDER BY job_id').all(siteId).map((r) => r.job_id);
}
