import { statementsOf, type Db } from '../../store/db.ts';
import { quarantinedAsOf, unmappedAsOf } from '../../store/messages.ts';
import type { RunFacts } from '../../status/types.ts';

/**
 * The store queries of the reports beyond the status facts: runs of the last days (for the
 * 14-day strips and charts), quarantined messages, and sequence gaps. Read-only; plain rows out,
 * so the models stay pure functions of data.
 */

/** One run as the strips and charts need it. */
export interface HistoryRun {
  startedAt: number;
  endedAt: number;
  status: RunFacts['status'];
  bytesExamined: number;
}

/** Runs per job, keyed by `jobKey(site, job)`, oldest first. */
export type JobHistory = Map<string, HistoryRun[]>;

export interface QuarantineRow {
  id: number;
  receivedAt: Date;
  from: string | null;
  subject: string | null;
  reason: string | null;
  siteId: string | null;
}

export interface QuarantineSummary {
  count: number;
  /** The newest few, newest first. */
  newest: QuarantineRow[];
}

export interface GapRow {
  siteId: string;
  jobId: string;
  /** Reports that never arrived (sum of the gaps' lengths). */
  missing: number;
  /** When the newest of the job's gaps was noticed. */
  detectedAt: Date;
}

/** The key of a job in maps: site and job id joined by a NUL (ids never contain one). */
export function jobKey(siteId: string, jobId: string): string {
  return `${siteId}\u0000${jobId}`;
}

const stmts = statementsOf(prepare);

function prepare(db: Db) {
  return {
    runs: db.prepare(`SELECT site_id, job_id, started_at, ended_at, status, bytes_examined FROM runs
      WHERE started_at >= ? AND started_at < ? ORDER BY started_at`).raw(),
    gaps: db.prepare(`SELECT site_id, job_id, sum(to_seq - from_seq + 1), max(detected_at) FROM sequence_gaps GROUP BY site_id, job_id ORDER BY site_id, job_id`).raw(),
  };
}

/** Runs that started in [from, to), grouped by job, oldest first. */
export function loadHistory(db: Db, from: number, to: number): JobHistory {
  const out: JobHistory = new Map();
  for (const r of stmts(db).runs.all(from, to) as [string, string, number, number, RunFacts['status'], number][]) {
    const key = jobKey(r[0], r[1]);
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push({ startedAt: r[2], endedAt: r[3], status: r[4], bytesExamined: r[5] });
  }
  return out;
}

/** How many messages were quarantined at `asOf` (ms), and the newest `limit` of them. */
export function loadQuarantine(db: Db, asOf: number, limit = 5): QuarantineSummary {
  const q = quarantinedAsOf(db, asOf, limit);
  return {
    count: q.count,
    newest: q.newest.map((m) => ({ id: m.id, receivedAt: m.receivedAt, from: m.from, subject: m.subject, reason: m.reason, siteId: m.siteId })),
  };
}

/** A notification no rule maps, as the digest lists it: who sent it, which tool, which job it names. */
export interface UnmappedRow {
  receivedAt: Date;
  from: string | null;
  parser: string | null;
  job: string | null;
}

/** How many notifications no rule mapped were kept at `asOf` (ms), and the newest `limit` of them. */
export function loadUnmapped(db: Db, asOf: number, limit = 5): { count: number; newest: UnmappedRow[] } {
  const q = unmappedAsOf(db, asOf, limit);
  return {
    count: q.count,
    newest: q.newest.map((m) => {
      let d: { parser?: string; job?: string } = {};
      try {
        d = JSON.parse(m.detail ?? '{}');
      } catch {
        // an older detail that is plain text: the row shows no parser or job
      }
      return { receivedAt: m.receivedAt, from: m.from, parser: d.parser ?? null, job: d.job ?? null };
    }),
  };
}

/** Reports that never arrived, per job, from the sequence_gaps table. */
export function loadGaps(db: Db): GapRow[] {
  return (stmts(db).gaps.all() as [string, string, number, number][]).map((r) => ({ siteId: r[0], jobId: r[1], missing: r[2], detectedAt: new Date(r[3]) }));
}
