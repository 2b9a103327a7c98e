import type { Applied } from '../ingest/apply.ts';
import { statementsOf, type Db } from './db.ts';
import type { MessageRow } from './messages.ts';
import type { DrillPayload, RestorePayload, RunStatus } from '../../core/result/schema.ts';

/** A stored restore or drill, as the history, the digest and the drill status read it. */
export interface RestoreRow {
  runId: string;
  kind: 'restore' | 'drill';
  siteId: string;
  jobId: string;
  jobName: string;
  commandId: string | null;
  startedAt: Date;
  endedAt: Date;
  receivedAt: Date;
  status: RunStatus;
  incomplete: boolean;
  files: { restored: number; failed: number };
  bytesRestored: number;
  /** Files that did not match the backup-time hashes. */
  mismatches: number;
  /** Files compared with the backup-time hashes (or sizes). */
  checked: number;
  target: string;
  /** The backup time restored from; null when the agent restored its newest backup. */
  fromAt: Date | null;
  firstError: string | null;
}

interface Row {
  run_id: string; kind: 'restore' | 'drill'; site_id: string; job_id: string; command_id: string | null;
  started_at: number; ended_at: number; received_at: number; status: RunStatus; incomplete: number;
  files_restored: number; files_failed: number; bytes_restored: number; mismatches: number; checked: number;
  target: string; from_at: number | null; payload_json: string;
}

const stmts = statementsOf(prepare);

function prepare(db: Db) {
  return {
    byId: db.prepare<[string], { message_id: string | null; kind: string }>('SELECT message_id, kind FROM restores WHERE run_id = ?'),
    insert: db.prepare(`INSERT INTO restores VALUES (@runId, @kind, @site, @job, @commandId, @startedAt, @endedAt, @receivedAt, @status, @incomplete,
      @filesRestored, @filesFailed, @bytesRestored, @mismatches, @checked, @target, @fromAt, @payload, @messageId)`),
    ofJob: db.prepare<[string, string, number], Row>('SELECT * FROM restores WHERE site_id = ? AND job_id = ? ORDER BY started_at DESC LIMIT ?'),
    ofJobKind: db.prepare<[string, string, string, number], Row>('SELECT * FROM restores WHERE site_id = ? AND job_id = ? AND kind = ? ORDER BY started_at DESC LIMIT ?'),
    goodDrill: db.prepare<[string, string], Row>(
      `SELECT * FROM restores WHERE site_id = ? AND job_id = ? AND kind = 'drill' AND status = 'ok' AND incomplete = 0 ORDER BY started_at DESC LIMIT 1`,
    ),
    between: db.prepare<[number, number], Row>('SELECT * FROM restores WHERE started_at >= ? AND started_at < ? ORDER BY started_at'),
  };
}

/**
 * Stores a verified restore or drill report. The same run id under the same Message-ID is a
 * duplicate (nothing changes); under another Message-ID a replay (quarantined, as for results).
 * A job the collector has not heard of is stored all the same: a restore can name a job whose
 * runs it never saw (a new collector, runs past retention).
 */
export function applyRestore(db: Db, p: (RestorePayload | DrillPayload) & { signature: unknown }, row: Pick<MessageRow, 'receivedAt' | 'messageId' | 'sha256'>, now: number): Applied {
  void now;
  const ids = { siteId: p.site.id, runId: p.runId };
  const s = stmts(db);
  const earlier = s.byId.get(p.runId);
  if (earlier) {
    if (earlier.message_id === row.messageId) return { disposition: 'duplicate', reason: null, detail: null, ...ids };
    const detail = `${p.kind} ${p.runId} was first received under Message-ID ${earlier.message_id ?? '(none)'}, now again under ${row.messageId ?? '(none)'}`;
    return { disposition: 'quarantined', reason: 'replay', detail, ...ids };
  }
  const { signature, ...payload } = p;
  void signature;
  s.insert.run({
    runId: p.runId,
    kind: p.kind,
    site: p.site.id,
    job: p.job.id,
    commandId: p.command?.id ?? null,
    startedAt: Date.parse(p.startedAt),
    endedAt: Date.parse(p.endedAt),
    receivedAt: row.receivedAt,
    status: p.status,
    incomplete: p.incomplete ? 1 : 0,
    filesRestored: p.files.restored,
    filesFailed: p.files.failed,
    bytesRestored: p.bytes.restored,
    mismatches: p.verification?.mismatches ?? 0,
    checked: p.verification?.checked ?? 0,
    target: p.target,
    fromAt: p.from.at === null ? null : Date.parse(p.from.at),
    payload: JSON.stringify(payload),
    messageId: row.messageId,
  });
  return { disposition: 'accepted', reason: null, detail: null, ...ids };
}

function toRow(r: Row): RestoreRow {
  const p = JSON.parse(r.payload_json) as RestorePayload | DrillPayload;
  return {
    runId: r.run_id,
    kind: r.kind,
    siteId: r.site_id,
    jobId: r.job_id,
    jobName: p.job.name,
    commandId: r.command_id,
    startedAt: new Date(r.started_at),
    endedAt: new Date(r.ended_at),
    receivedAt: new Date(r.received_at),
    status: r.status,
    incomplete: r.incomplete === 1,
    files: { restored: r.files_restored, failed: r.files_failed },
    bytesRestored: r.bytes_restored,
    mismatches: r.mismatches,
    checked: r.checked,
    target: r.target,
    fromAt: r.from_at === null ? null : new Date(r.from_at),
    firstError: p.errors[0]?.message.split(/\r?\n/)[0]?.slice(0, 500) ?? null,
  };
}

/** A job's restores and drills (or one kind), newest first. */
export function restoresOf(db: Db, siteId: string, jobId: string, o: { kind?: 'restore' | 'drill'; limit: number }): RestoreRow[] {
  const s = stmts(db);
  return (o.kind ? s.ofJobKind.all(siteId, jobId, o.kind, o.limit) : s.ofJob.all(siteId, jobId, o.limit)).map(toRow);
}

/** The newest restore or drill of a job, or null. */
export function lastRestore(db: Db, siteId: string, jobId: string, kind: 'restore' | 'drill'): RestoreRow | null {
  return restoresOf(db, siteId, jobId, { kind, limit: 1 })[0] ?? null;
}

/** The newest drill of a job that passed (status ok, complete): "last proven restorable". */
export function lastSuccessfulDrill(db: Db, siteId: string, jobId: string): RestoreRow | null {
  const r = stmts(db).goodDrill.get(siteId, jobId);
  return r ? toRow(r) : null;
}

/** Restores and drills that started in [from, to), oldest first (the digest's period). */
export function restoresBetween(db: Db, from: number, to: number): RestoreRow[] {
  return stmts(db).between.all(from, to).map(toRow);
}

/** Retention: restores and drills go with the runs (`retention.runsDays`). */
export function pruneRestores(db: Db, before: number): number {
  return db.prepare('DELETE FROM restores WHERE started_at < ?').run(before).changes;
}
