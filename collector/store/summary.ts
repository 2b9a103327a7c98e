import type { RunFacts } from '../status/types.ts';
import type { Db } from './db.ts';

/**
 * The per-job summary of recent runs. `collector status` must answer for 3,000 jobs and 270,000
 * runs in 50 ms; reading 30 runs of every job from `runs` takes several hundred. So each job row
 * keeps its newest runs as compact JSON tuples (newest first) and its newest good run, updated
 * in the ingest transaction. It is derived data: `rebuildSummaries` recomputes it from `runs`.
 */
export const RECENT_RUNS = 30;

/** [runId, sequence, startedAt, endedAt, receivedAt, sentAt, status, filesExamined, filesCopied, filesFailed, bytesExamined, bytesCopied, verificationMismatches, firstError] */
export type RunTuple = [string, number, number, number, number, number, RunFacts['status'], number, number, number, number, number, number, string | null];

/** The RunFacts of a stored tuple. */
export function fromTuple(t: RunTuple): RunFacts {
  return {
    runId: t[0],
    sequence: t[1],
    startedAt: new Date(t[2]),
    endedAt: new Date(t[3]),
    receivedAt: new Date(t[4]),
    sentAt: new Date(t[5]),
    status: t[6],
    filesExamined: t[7],
    filesCopied: t[8],
    filesFailed: t[9],
    bytesExamined: t[10],
    bytesCopied: t[11],
    verificationMismatches: t[12],
    firstError: t[13],
  };
}

const TUPLE_SQL = `json_array(run_id, sequence, started_at, ended_at, received_at, sent_at, status, files_examined, files_copied, files_failed,
  bytes_examined, bytes_copied, verification_mismatches, first_error)`;

const cache = new WeakMap<Db, ReturnType<typeof prepare>>();
function stmts(db: Db) {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = prepare(db)));
  return s;
}

function prepare(db: Db) {
  return {
    get: db.prepare<[string, string], { recent_json: string; last_good_json: string | null }>('SELECT recent_json, last_good_json FROM jobs WHERE site_id = ? AND job_id = ?'),
    set: db.prepare('UPDATE jobs SET recent_json = ?, last_good_json = ? WHERE site_id = ? AND job_id = ?'),
    rebuild: db.prepare(`UPDATE jobs SET
      recent_json = coalesce((SELECT json_group_array(json(t)) FROM (SELECT ${TUPLE_SQL} AS t FROM runs r
        WHERE r.site_id = jobs.site_id AND r.job_id = jobs.job_id ORDER BY started_at DESC LIMIT ${RECENT_RUNS})), '[]'),
      last_good_json = (SELECT ${TUPLE_SQL} FROM runs r WHERE r.site_id = jobs.site_id AND r.job_id = jobs.job_id
        AND status IN ('ok', 'warning') ORDER BY started_at DESC LIMIT 1)`),
  };
}

/** Adds a just-inserted run to its job's summary (inside the ingest transaction). */
export function addToSummary(db: Db, siteId: string, jobId: string, run: RunTuple): void {
  const s = stmts(db);
  const row = s.get.get(siteId, jobId);
  if (!row) return;
  const recent = JSON.parse(row.recent_json) as RunTuple[];
  const oldest = recent[recent.length - 1];
  let recentJson = row.recent_json;
  if (recent.length < RECENT_RUNS || (oldest !== undefined && run[2] > oldest[2])) {
    recent.push(run);
    recent.sort((a, b) => b[2] - a[2]);
    recentJson = JSON.stringify(recent.slice(0, RECENT_RUNS));
  }
  let lastGoodJson = row.last_good_json;
  const lastGood = lastGoodJson === null ? null : (JSON.parse(lastGoodJson) as RunTuple);
  if (run[6] !== 'failed' && (lastGood === null || run[2] > lastGood[2])) lastGoodJson = JSON.stringify(run);
  s.set.run(recentJson, lastGoodJson, siteId, jobId);
}

/** Recomputes every job's summary from `runs` (after bulk loads, or to repair). */
export function rebuildSummaries(db: Db): void {
  stmts(db).rebuild.run();
}
