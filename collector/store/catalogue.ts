import type { Applied } from '../ingest/apply.ts';
import { statementsOf, type Db } from './db.ts';
import type { MessageRow } from './messages.ts';
import type { ManifestAttachment } from '../../core/email/decode.ts';
import { decodePart, type ManifestLine } from '../../core/result/manifest.ts';
import type { ManifestPartPayload, ManifestRef, ResultPayload } from '../../core/result/schema.ts';
import { applyLines } from './catalogue-apply.ts';

type Row = Pick<MessageRow, 'receivedAt' | 'messageId' | 'sha256'>;

interface ManifestRow {
  run_id: string;
  cjob: number;
  at: number;
  mode: 'full' | 'delta';
  base_run_id: string | null;
  entries: number;
  parts_json: string;
  received_at: number;
  state: 'waiting' | 'applied' | 'superseded' | 'invalid';
  detail: string | null;
}

const stmts = statementsOf(prepare);

function prepare(db: Db) {
  return {
    job: db.prepare<[string, string], { cjob: number; head_run_id: string | null; head_at: number | null }>('SELECT cjob, head_run_id, head_at FROM catalogue_jobs WHERE site_id = ? AND job_id = ?'),
    jobById: db.prepare<[number], { site_id: string; job_id: string; head_run_id: string | null; head_at: number | null }>('SELECT * FROM catalogue_jobs WHERE cjob = ?'),
    insertJob: db.prepare<[string, string]>('INSERT INTO catalogue_jobs (site_id, job_id) VALUES (?, ?)'),
    setHead: db.prepare<[string, number, number]>('UPDATE catalogue_jobs SET head_run_id = ?, head_at = ? WHERE cjob = ?'),
    manifest: db.prepare<[string], ManifestRow>('SELECT * FROM catalogue_manifests WHERE run_id = ?'),
    insertManifest: db.prepare(
      `INSERT INTO catalogue_manifests (run_id, cjob, at, mode, base_run_id, entries, parts_json, received_at, state, detail)
       VALUES (@runId, @cjob, @at, @mode, @baseRunId, @entries, @parts, @receivedAt, 'waiting', NULL)`,
    ),
    setState: db.prepare<[string, string | null, number | null, string]>('UPDATE catalogue_manifests SET state = ?, detail = ?, applied_at = ? WHERE run_id = ?'),
    noteDetail: db.prepare<[string, string]>('UPDATE catalogue_manifests SET detail = ? WHERE run_id = ?'),
    supersedeOlder: db.prepare<[number, number]>(`UPDATE catalogue_manifests SET state = 'superseded', detail = 'a newer manifest was applied first' WHERE cjob = ? AND state = 'waiting' AND at < ?`),
    nextOnBase: db.prepare<[number, string], { run_id: string }>(`SELECT run_id FROM catalogue_manifests WHERE cjob = ? AND state = 'waiting' AND base_run_id = ? ORDER BY at`),
    parts: db.prepare<[string], { part: number; sha256: string; content: Buffer | null }>('SELECT part, sha256, content FROM catalogue_parts WHERE result_run_id = ? ORDER BY part'),
    partByRun: db.prepare<[string], { message_id: string | null; result_run_id: string; part: number }>('SELECT message_id, result_run_id, part FROM catalogue_parts WHERE part_run_id = ?'),
    part: db.prepare<[string, number], { sha256: string; content: Buffer | null }>('SELECT sha256, content FROM catalogue_parts WHERE result_run_id = ? AND part = ?'),
    insertPart: db.prepare(
      `INSERT OR REPLACE INTO catalogue_parts (result_run_id, part, part_run_id, message_id, sha256, content, received_at)
       VALUES (@resultRunId, @part, @partRunId, @messageId, @sha256, @content, @receivedAt)`,
    ),
    dropPart: db.prepare<[string, number]>('DELETE FROM catalogue_parts WHERE result_run_id = ? AND part = ?'),
    clearParts: db.prepare<[string]>('UPDATE catalogue_parts SET content = NULL WHERE result_run_id = ?'),
  };
}

function jobOf(db: Db, siteId: string, jobId: string): number {
  const s = stmts(db);
  const row = s.job.get(siteId, jobId);
  return row ? row.cjob : Number(s.insertJob.run(siteId, jobId).lastInsertRowid);
}

function refParts(m: ManifestRow): ManifestRef['parts'] {
  return JSON.parse(m.parts_json) as ManifestRef['parts'];
}

/**
 * A verified result that announces a manifest (called by ingest/apply.ts after the run is
 * recorded, in the same transaction): the manifest is noted as waiting, the parts attached to
 * the result email are kept when their SHA-256 is the one the signed result lists (a part that
 * does not match is refused and noted, never applied), parts that came earlier in their own
 * emails are checked the same way, and the manifest is applied once every part is there.
 */
export function noteResultManifest(db: Db, p: ResultPayload, attached: readonly ManifestAttachment[], row: Row, now: number): void {
  const ref = p.manifest;
  if (!ref) return;
  const s = stmts(db);
  if (s.manifest.get(p.runId)) return;
  const cjob = jobOf(db, p.site.id, p.job.id);
  s.insertManifest.run({ runId: p.runId, cjob, at: Date.parse(p.endedAt), mode: ref.mode, baseRunId: ref.baseRunId, entries: ref.entries, parts: JSON.stringify(ref.parts), receivedAt: row.receivedAt });
  const refused: string[] = [];
  for (const early of s.parts.all(p.runId)) {
    if (early.sha256 !== ref.parts[early.part - 1]?.sha256) {
      s.dropPart.run(p.runId, early.part);
      refused.push(`part ${early.part} refused: its SHA-256 is not the one the signed result lists`);
    }
  }
  for (const a of attached) {
    if (ref.parts[a.part - 1]?.sha256 !== a.sha256) refused.push(`part ${a.part} (attached to the result) refused: its SHA-256 is not the one the signed result lists`);
    else s.insertPart.run({ resultRunId: p.runId, part: a.part, partRunId: null, messageId: row.messageId, sha256: a.sha256, content: a.content, receivedAt: row.receivedAt });
  }
  if (refused.length > 0) s.noteDetail.run(refused.join('; ').slice(0, 2000), p.runId);
  tryApply(db, p.runId, now);
}

/**
 * A `manifest-part` report: its part is kept (checked against the result's list when the
 * result is already here, else when it comes) and the manifest applied once complete. A part
 * run id seen before under another Message-ID is a replay; a part whose hash does not match
 * the signed list is quarantined as `manifest-mismatch`.
 */
export function applyManifestPart(db: Db, p: ManifestPartPayload & { signature: unknown }, row: Row, now: number, attached: readonly ManifestAttachment[] = []): Applied {
  const ids = { siteId: p.site.id, runId: p.runId };
  const s = stmts(db);
  const earlier = s.partByRun.get(p.runId);
  if (earlier) {
    if (earlier.message_id === row.messageId) return { disposition: 'duplicate', reason: null, detail: null, ...ids };
    return { disposition: 'quarantined', reason: 'replay', detail: `manifest part ${p.runId} was first received under Message-ID ${earlier.message_id ?? '(none)'}, now again under ${row.messageId ?? '(none)'}`, ...ids };
  }
  const a = attached.find((x) => x.part === p.part);
  if (!a) return { disposition: 'quarantined', reason: 'no-attachment', detail: `manifest part ${p.part} of run ${p.resultRunId} has no attachment synecdoche-manifest-${p.part}.ndjson.gz`, ...ids };
  const m = s.manifest.get(p.resultRunId);
  if (m) {
    const job = s.jobById.get(m.cjob)!;
    if (job.site_id !== p.site.id || job.job_id !== p.job.id) {
      return { disposition: 'quarantined', reason: 'schema-violation', detail: `manifest part for run ${p.resultRunId}, which is a run of ${job.site_id}/${job.job_id}, not ${p.site.id}/${p.job.id}`, ...ids };
    }
    const listed = refParts(m);
    if (listed[p.part - 1]?.sha256 !== a.sha256) {
      const why = p.part > listed.length ? `the result lists ${listed.length} parts` : 'its SHA-256 is not the one the signed result lists';
      return { disposition: 'quarantined', reason: 'manifest-mismatch', detail: `part ${p.part} of the manifest of run ${p.resultRunId} refused: ${why}`, ...ids };
    }
  }
  const stored = s.part.get(p.resultRunId, p.part);
  if (stored && stored.sha256 === a.sha256) {
    // the same part sent again (a resend after a crash): the copy we hold stands
    s.insertPart.run({ resultRunId: p.resultRunId, part: p.part, partRunId: p.runId, messageId: row.messageId, sha256: a.sha256, content: stored.content, receivedAt: row.receivedAt });
    return { disposition: 'accepted', reason: null, detail: 'a part already received', ...ids };
  }
  s.insertPart.run({ resultRunId: p.resultRunId, part: p.part, partRunId: p.runId, messageId: row.messageId, sha256: a.sha256, content: a.content, receivedAt: row.receivedAt });
  if (m) tryApply(db, p.resultRunId, now);
  return { disposition: 'accepted', reason: null, detail: null, ...ids };
}

/**
 * Applies a waiting manifest when all its parts are here and it fits: a full one newer than
 * the job's head, a delta whose base is the head. Then whatever waited on it follows.
 */
function tryApply(db: Db, runId: string, now: number): void {
  const s = stmts(db);
  const m = s.manifest.get(runId);
  if (!m || m.state !== 'waiting') return;
  const listed = refParts(m);
  const have = s.parts.all(runId).filter((x) => x.content !== null);
  if (have.length < listed.length) return;
  const job = s.jobById.get(m.cjob)!;
  if (job.head_at !== null && m.at <= job.head_at) {
    s.setState.run('superseded', 'older than the newest manifest applied', null, runId);
    s.clearParts.run(runId);
    return;
  }
  if (m.mode === 'delta' && job.head_run_id !== m.base_run_id) return; // its base has not been applied (yet)
  let lines: ManifestLine[];
  try {
    lines = have.flatMap((x) => decodePart(x.content!));
    if (lines.length !== m.entries) throw new Error(`${lines.length} lines, the result announced ${m.entries}`);
  } catch (e) {
    s.setState.run('invalid', `the manifest cannot be read: ${(e as Error).message}`.slice(0, 2000), null, runId);
    s.clearParts.run(runId);
    return;
  }
  applyLines(db, m.cjob, m.at, m.mode, lines);
  s.setHead.run(runId, m.at, m.cjob);
  s.setState.run('applied', m.detail, now, runId);
  s.clearParts.run(runId);
  s.supersedeOlder.run(m.cjob, m.at);
  for (const next of s.nextOnBase.all(m.cjob, runId)) tryApply(db, next.run_id, now);
}

/** A manifest announced but not applied after `graceMs`: parts missing, or its base never came. */
export interface IncompleteManifest {
  siteId: string;
  jobId: string;
  runId: string;
  at: Date;
  partsReceived: number;
  parts: number;
  why: string;
}

/** Manifests waiting longer than `graceMs` (default 6 hours): shown, never silently dropped. */
export function incompleteManifests(db: Db, now: number, graceMs = 6 * 3_600_000, filter: { siteId?: string; jobId?: string } = {}): IncompleteManifest[] {
  const rows = db
    .prepare<[number], ManifestRow & { site_id: string; job_id: string; head_run_id: string | null; have: number }>(
      `SELECT m.*, j.site_id, j.job_id, j.head_run_id,
         (SELECT count(*) FROM catalogue_parts p WHERE p.result_run_id = m.run_id AND p.content IS NOT NULL) AS have
       FROM catalogue_manifests m JOIN catalogue_jobs j ON j.cjob = m.cjob
       WHERE m.state = 'waiting' AND m.received_at < ? ORDER BY m.at`,
    )
    .all(now - graceMs);
  return rows
    .filter((r) => (!filter.siteId || r.site_id === filter.siteId) && (!filter.jobId || r.job_id === filter.jobId))
    .map((r) => {
      const parts = refParts(r).length;
      const why =
        r.have < parts
          ? `${parts - r.have} of ${parts} parts have not arrived${r.detail ? ` (${r.detail})` : ''}`
          : `waiting for the manifest of run ${r.base_run_id}, which it is a delta of`;
      return { siteId: r.site_id, jobId: r.job_id, runId: r.run_id, at: new Date(r.at), partsReceived: r.have, parts, why };
    });
}
