import type { HeartbeatPayload, ResultPayload } from '../../core/result/schema.ts';
import { statementsOf, type Db } from './db.ts';
import { nextDue, type Due } from './due.ts';
import { summaryWith } from './summary.ts';

/**
 * Writes of verified reports: runs, heartbeats, the jobs and sites they name, and sequence gaps.
 * Callers run these inside the batch transaction; each function assumes its checks (signature,
 * replay) were done.
 */

interface JobRow {
  name: string;
  plugin: string | null;
  schedule: string | null;
  next_run_at: number | null;
  next_run_announced_at: number | null;
  last_sequence: number;
  latest_started_at: number | null;
  recent_runs: Buffer | null;
  last_good: Buffer | null;
}

/** Where a stored run or heartbeat came from, for replay detection. */
export interface StoredReport {
  messageId: string | null;
}

const stmts = statementsOf(prepare);

function prepare(db: Db) {
  return {
    runById: db.prepare<[string], { message_id: string | null }>('SELECT message_id FROM runs WHERE run_id = ?'),
    heartbeatById: db.prepare<[string], { message_id: string | null }>('SELECT message_id FROM heartbeats WHERE run_id = ?'),
    upsertSite: db.prepare(`INSERT INTO sites (site_id, first_seen_at, last_seen_at, agent_host, agent_version, agent_time_zone)
      VALUES (@site, @at, @at, @host, @version, @zone)
      ON CONFLICT (site_id) DO UPDATE SET
        agent_host = CASE WHEN excluded.last_seen_at >= last_seen_at THEN excluded.agent_host ELSE agent_host END,
        agent_version = CASE WHEN excluded.last_seen_at >= last_seen_at THEN excluded.agent_version ELSE agent_version END,
        agent_time_zone = CASE WHEN excluded.last_seen_at >= last_seen_at THEN excluded.agent_time_zone ELSE agent_time_zone END,
        last_seen_at = max(last_seen_at, excluded.last_seen_at)`),
    job: db.prepare<[string, string], JobRow>(
      `SELECT name, plugin, schedule, next_run_at, next_run_announced_at, last_sequence, latest_started_at, recent_runs, last_good FROM jobs WHERE site_id = ? AND job_id = ?`,
    ),
    insertJob: db.prepare(`INSERT INTO jobs (site_id, job_id, name, plugin, schedule, next_run_at, next_run_announced_at, first_seen_at, last_sequence)
      VALUES (@site, @job, @name, @plugin, @schedule, @nextRun, @announced, @firstSeen, @sequence)`),
    updateJob: db.prepare(`UPDATE jobs SET name = @name, plugin = @plugin, schedule = @schedule, next_run_at = @nextRun,
      next_run_announced_at = @announced, last_sequence = @sequence WHERE site_id = @site AND job_id = @job`),
    // A run changes the job and its summary (summary.ts) in ONE write of the row: the row holds
    // the summary BLOB, and SQLite rewrites the whole row for any update.
    insertJobWithRun: db.prepare(`INSERT INTO jobs (site_id, job_id, name, plugin, schedule, next_run_at, next_run_announced_at, first_seen_at, last_sequence,
      latest_started_at, recent_runs, last_good)
      VALUES (@site, @job, @name, @plugin, @schedule, @nextRun, @announced, @firstSeen, @sequence, @latestStarted, @recentRuns, @lastGood)`),
    updateJobWithRun: db.prepare(`UPDATE jobs SET name = @name, plugin = @plugin, schedule = @schedule, next_run_at = @nextRun,
      next_run_announced_at = @announced, last_sequence = @sequence, latest_started_at = @latestStarted, recent_runs = @recentRuns, last_good = @lastGood
      WHERE site_id = @site AND job_id = @job`),
    insertRun: db.prepare(`INSERT INTO runs VALUES (@runId, @site, @job, @sequence, @startedAt, @endedAt, @sentAt, @receivedAt, @status, @exitCode,
      @fe, @fc, @fs, @ff, @fx, @be, @bc, @bs, @bf, @bx, @mismatches, @firstError, @payload, @messageId)`),
    insertHeartbeat: db.prepare(`INSERT INTO heartbeats VALUES (@runId, @site, @sentAt, @receivedAt, @nextHeartbeatAt, @payload, @messageId)`),
    gapContaining: db.prepare<[string, string, number, number], { from_seq: number; to_seq: number }>(
      'SELECT from_seq, to_seq FROM sequence_gaps WHERE site_id = ? AND job_id = ? AND from_seq <= ? AND to_seq >= ?',
    ),
    insertGap: db.prepare('INSERT INTO sequence_gaps VALUES (?, ?, ?, ?, ?)'),
    deleteGap: db.prepare('DELETE FROM sequence_gaps WHERE site_id = ? AND job_id = ? AND from_seq = ?'),
  };
}

/** The stored run with this id, or undefined. */
export function storedRun(db: Db, runId: string): StoredReport | undefined {
  const r = stmts(db).runById.get(runId);
  return r && { messageId: r.message_id };
}

/** The stored heartbeat with this id, or undefined. */
export function storedHeartbeat(db: Db, runId: string): StoredReport | undefined {
  const r = stmts(db).heartbeatById.get(runId);
  return r && { messageId: r.message_id };
}

function touchSite(db: Db, p: ResultPayload | HeartbeatPayload, receivedAt: number): void {
  stmts(db).upsertSite.run({ site: p.site.id, at: receivedAt, host: p.agent.host, version: p.agent.version, zone: p.agent.timeZone });
}

const ms = (iso: string) => Date.parse(iso);

function dueOf(job: JobRow | undefined): Due | null {
  return job && job.next_run_announced_at !== null ? { nextRunAt: job.next_run_at, announcedAt: job.next_run_announced_at } : null;
}

/**
 * Records a verified run: the run row, its job and site, and sequence bookkeeping. A sequence
 * above last+1 records a gap; a sequence that falls in a recorded gap (a late delivery) shrinks
 * or splits it. A lower sequence outside any gap from a newer run means the agent's counter was
 * reset (reinstalled): the counter follows it. The first run ever seen of a job records no gap,
 * so that starting to monitor an existing agent does not invent lost reports.
 */
export function recordRun(db: Db, p: ResultPayload, receivedAt: number, messageId: string | null, now: number): void {
  const s = stmts(db);
  touchSite(db, p, receivedAt);
  const job = s.job.get(p.site.id, p.job.id);
  const started = ms(p.startedAt);
  let lastSequence = p.sequence;
  if (job && job.latest_started_at !== null) {
    const last = job.last_sequence;
    if (p.sequence > last + 1) {
      s.insertGap.run(p.site.id, p.job.id, last + 1, p.sequence - 1, now);
    } else if (p.sequence <= last) {
      const gap = s.gapContaining.get(p.site.id, p.job.id, p.sequence, p.sequence);
      if (gap) fillGap(db, p.site.id, p.job.id, gap, p.sequence, now);
      lastSequence = !gap && started > job.latest_started_at ? p.sequence : last;
    }
  }
  const announced: Due = { nextRunAt: p.job.nextRunAt === null ? null : ms(p.job.nextRunAt), announcedAt: ms(p.sentAt) };
  const due = nextDue(dueOf(job), announced, started);
  // Name, plugin and schedule follow the newest run (a job first heard of in a heartbeat has none yet).
  const newest = !job || job.plugin === null || job.latest_started_at === null || started >= job.latest_started_at;
  const run = {
    runId: p.runId,
    site: p.site.id,
    job: p.job.id,
    sequence: p.sequence,
    startedAt: started,
    endedAt: ms(p.endedAt),
    sentAt: ms(p.sentAt),
    receivedAt,
    status: p.status,
    exitCode: p.exitCode,
    fe: p.files.examined, fc: p.files.copied, fs: p.files.skipped, ff: p.files.failed, fx: p.files.extra,
    be: p.bytes.examined, bc: p.bytes.copied, bs: p.bytes.skipped, bf: p.bytes.failed, bx: p.bytes.extra,
    mismatches: p.verification?.mismatches ?? 0,
    firstError: p.errors[0]?.message.split(/\r?\n/)[0]?.slice(0, 500) ?? null,
    payload: JSON.stringify(p),
    messageId,
  };
  const summary = summaryWith(job?.recent_runs ?? null, job?.last_good ?? null, {
    runId: run.runId, sequence: run.sequence, startedAt: run.startedAt, endedAt: run.endedAt, receivedAt: run.receivedAt, sentAt: run.sentAt, status: run.status,
    filesExamined: run.fe, filesCopied: run.fc, filesFailed: run.ff, bytesExamined: run.be, bytesCopied: run.bc, verificationMismatches: run.mismatches, firstError: run.firstError,
  });
  const values = {
    site: p.site.id,
    job: p.job.id,
    name: newest ? p.job.name : job!.name,
    plugin: newest ? p.job.plugin : job!.plugin,
    schedule: newest ? p.job.schedule : job!.schedule,
    nextRun: due.nextRunAt,
    announced: due.announcedAt,
    sequence: lastSequence,
    latestStarted: summary.latestStartedAt,
    recentRuns: summary.recentRuns,
    lastGood: summary.lastGood,
  };
  if (job) s.updateJobWithRun.run(values);
  else s.insertJobWithRun.run({ ...values, firstSeen: receivedAt });
  s.insertRun.run(run);
}

function fillGap(db: Db, site: string, job: string, gap: { from_seq: number; to_seq: number }, seq: number, now: number): void {
  const s = stmts(db);
  s.deleteGap.run(site, job, gap.from_seq);
  if (gap.from_seq < seq) s.insertGap.run(site, job, gap.from_seq, seq - 1, now);
  if (seq < gap.to_seq) s.insertGap.run(site, job, seq + 1, gap.to_seq, now);
}

/** Records a verified heartbeat, and the next run it announces for each job. */
export function recordHeartbeat(db: Db, p: HeartbeatPayload, receivedAt: number, messageId: string | null): void {
  const s = stmts(db);
  touchSite(db, p, receivedAt);
  const sent = ms(p.sentAt);
  for (const j of p.jobs) {
    const job = s.job.get(p.site.id, j.id);
    const due = nextDue(dueOf(job), { nextRunAt: j.nextRunAt === null ? null : ms(j.nextRunAt), announcedAt: sent });
    if (job) s.updateJob.run({ site: p.site.id, job: j.id, name: job.name, plugin: job.plugin, schedule: job.schedule, nextRun: due.nextRunAt, announced: due.announcedAt, sequence: job.last_sequence });
    else s.insertJob.run({ site: p.site.id, job: j.id, name: j.id, plugin: null, schedule: null, nextRun: due.nextRunAt, announced: due.announcedAt, firstSeen: receivedAt, sequence: 0 });
  }
  s.insertHeartbeat.run({ runId: p.runId, site: p.site.id, sentAt: sent, receivedAt, nextHeartbeatAt: ms(p.nextHeartbeatAt), payload: JSON.stringify(p), messageId });
}
