import { plainRun } from '../status/run-record.ts';
import type { RunFacts, RunRecord } from '../status/types.ts';
import { statementsOf, type Db } from './db.ts';

/**
 * The per-job summary of recent runs. `collector status` must answer for 3,000 jobs and 270,000
 * runs in 50 ms; reading 30 runs of every job from `runs` takes several hundred, and even JSON
 * text of them costs more than the budget to fetch and parse. So each job row keeps its newest
 * runs as one BLOB of fixed-layout binary records, newest first (a reader decodes only the ones
 * it needs, with no parsing), and its newest good run, updated in the ingest transaction.
 * It is derived data: `rebuildSummaries` recomputes it from `runs`.
 *
 * Record layout (little-endian): 36 bytes run id (a UUID, ASCII); 1 byte status; 1 byte unused;
 * 2 bytes length E of the first error in UTF-8; 11 float64: sequence, startedAt, endedAt,
 * receivedAt, sentAt (ms), filesExamined, filesCopied, filesFailed, bytesExamined, bytesCopied,
 * verificationMismatches; then E bytes of the first error (E = 0xFFFF for none).
 */
export const RECENT_RUNS = 30;

/** A run as the summary stores it (the status engine's input): plain numbers, absolute times in ms. */
export type { RunRecord };

const FIXED = 128;
const NUMBERS = 40;
const NO_ERROR = 0xffff;
const STATUSES: readonly RunFacts['status'][] = ['ok', 'warning', 'failed'];

/** One binary record of a run. */
export function encodeRun(r: RunRecord): Buffer {
  const err = r.firstError === null ? null : Buffer.from(r.firstError.slice(0, 500), 'utf8');
  const b = Buffer.alloc(FIXED + (err?.length ?? 0));
  b.write(r.runId.padEnd(36).slice(0, 36), 0, 'latin1');
  b[36] = STATUSES.indexOf(r.status);
  b.writeUInt16LE(err === null ? NO_ERROR : err.length, 38);
  const nums = [r.sequence, r.startedAt, r.endedAt, r.receivedAt, r.sentAt, r.filesExamined, r.filesCopied, r.filesFailed, r.bytesExamined, r.bytesCopied, r.verificationMismatches];
  nums.forEach((v, i) => b.writeDoubleLE(v, NUMBERS + i * 8));
  err?.copy(b, FIXED);
  return b;
}

function recordLength(b: Buffer, off: number): number {
  const e = b.readUInt16LE(off + 38);
  return FIXED + (e === NO_ERROR ? 0 : e);
}

/**
 * The first `limit` records of a summary BLOB, read in place: each is a small view of its bytes
 * whose fields are decoded when read. `collector status` takes tens of thousands of runs and
 * reads a few fields of most; decoding every field into its own object (14 values, 11 of them
 * boxed numbers, two strings) made most of its time and of the garbage collector's.
 */
export function decodeRuns(b: Buffer | null, limit: number = RECENT_RUNS): RunRecord[] {
  const out: RunRecord[] = [];
  if (b === null) return out;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let off = 0; off < b.length && out.length < limit; off += recordLength(b, off)) out.push(new StoredRun(b, view, off));
  return out;
}

/** One record of a summary BLOB as a RunRecord; read-only, and `plainRun` copies it. */
class StoredRun implements RunRecord {
  constructor(
    private readonly b: Buffer,
    private readonly v: DataView,
    private readonly o: number,
  ) {}
  get runId(): string {
    return this.b.toString('latin1', this.o, this.o + 36);
  }
  get status(): RunRecord['status'] {
    return STATUSES[this.b[this.o + 36]!]!;
  }
  get sequence(): number {
    return this.v.getFloat64(this.o + NUMBERS, true);
  }
  get startedAt(): number {
    return this.v.getFloat64(this.o + NUMBERS + 8, true);
  }
  get endedAt(): number {
    return this.v.getFloat64(this.o + NUMBERS + 16, true);
  }
  get receivedAt(): number {
    return this.v.getFloat64(this.o + NUMBERS + 24, true);
  }
  get sentAt(): number {
    return this.v.getFloat64(this.o + NUMBERS + 32, true);
  }
  get filesExamined(): number {
    return this.v.getFloat64(this.o + NUMBERS + 40, true);
  }
  get filesCopied(): number {
    return this.v.getFloat64(this.o + NUMBERS + 48, true);
  }
  get filesFailed(): number {
    return this.v.getFloat64(this.o + NUMBERS + 56, true);
  }
  get bytesExamined(): number {
    return this.v.getFloat64(this.o + NUMBERS + 64, true);
  }
  get bytesCopied(): number {
    return this.v.getFloat64(this.o + NUMBERS + 72, true);
  }
  get verificationMismatches(): number {
    return this.v.getFloat64(this.o + NUMBERS + 80, true);
  }
  get firstError(): string | null {
    const e = this.v.getUint16(this.o + 38, true);
    return e === NO_ERROR ? null : this.b.toString('utf8', this.o + FIXED, this.o + FIXED + e);
  }
  /** Same bytes, same run: the cheap identity check of decodeLastGood. */
  isRecord(other: Buffer): boolean {
    return this.b.compare(other, 0, 36, this.o, this.o + 36) === 0;
  }
  toJSON(): RunRecord {
    return plainRun(this);
  }
}

/** Splits a summary into its records with their start times (for inserting one in order). */
function split(b: Buffer | null): { started: number; bytes: Buffer }[] {
  const out: { started: number; bytes: Buffer }[] = [];
  if (b === null) return out;
  for (let off = 0; off < b.length; ) {
    const len = recordLength(b, off);
    out.push({ started: b.readDoubleLE(off + NUMBERS + 8), bytes: b.subarray(off, off + len) });
    off += len;
  }
  return out;
}

const stmts = statementsOf(prepare);

function prepare(db: Db) {
  return {
    get: db.prepare<[string, string], { recent_runs: Buffer | null; last_good: Buffer | null }>('SELECT recent_runs, last_good FROM jobs WHERE site_id = ? AND job_id = ?'),
    set: db.prepare('UPDATE jobs SET recent_runs = ?, latest_started_at = ?, last_good = ? WHERE site_id = ? AND job_id = ?'),
    jobs: db.prepare<[], { site_id: string; job_id: string }>('SELECT site_id, job_id FROM jobs'),
    runs: db.prepare<[string, string, number], RunRow>(`SELECT run_id, sequence, started_at, ended_at, received_at, sent_at, status, files_examined,
      files_copied, files_failed, bytes_examined, bytes_copied, verification_mismatches, first_error FROM runs
      WHERE site_id = ? AND job_id = ? ORDER BY started_at DESC LIMIT ?`),
    lastGood: db.prepare<[string, string], RunRow>(`SELECT run_id, sequence, started_at, ended_at, received_at, sent_at, status, files_examined,
      files_copied, files_failed, bytes_examined, bytes_copied, verification_mismatches, first_error FROM runs
      WHERE site_id = ? AND job_id = ? AND status IN ('ok', 'warning') ORDER BY started_at DESC LIMIT 1`),
  };
}

interface RunRow {
  run_id: string; sequence: number; started_at: number; ended_at: number; received_at: number; sent_at: number; status: RunFacts['status'];
  files_examined: number; files_copied: number; files_failed: number; bytes_examined: number; bytes_copied: number; verification_mismatches: number; first_error: string | null;
}

const recordOf = (r: RunRow): RunRecord => ({
  runId: r.run_id, sequence: r.sequence, startedAt: r.started_at, endedAt: r.ended_at, receivedAt: r.received_at, sentAt: r.sent_at, status: r.status,
  filesExamined: r.files_examined, filesCopied: r.files_copied, filesFailed: r.files_failed, bytesExamined: r.bytes_examined, bytesCopied: r.bytes_copied,
  verificationMismatches: r.verification_mismatches, firstError: r.first_error,
});

/** A job's summary columns: recent_runs, latest_started_at, last_good. */
export interface Summary {
  recentRuns: Buffer;
  latestStartedAt: number;
  lastGood: Buffer | null;
}

/**
 * The summary after one more run (pure). The usual case, a run newer than every kept one, is
 * one copy: the new record in front of the newest RECENT_RUNS - 1 old ones.
 */
export function summaryWith(recent: Buffer | null, lastGood: Buffer | null, run: RunRecord): Summary {
  const encoded = encodeRun(run);
  const lastGoodStarted = lastGood === null ? null : lastGood.readDoubleLE(NUMBERS + 8);
  const good = run.status !== 'failed' && (lastGoodStarted === null || run.startedAt > lastGoodStarted) ? encoded : lastGood;
  if (recent === null || recent.length === 0) return { recentRuns: encoded, latestStartedAt: run.startedAt, lastGood: good };
  if (run.startedAt > recent.readDoubleLE(NUMBERS + 8)) {
    let end = 0;
    for (let n = 0; n < RECENT_RUNS - 1 && end < recent.length; n++) end += recordLength(recent, end);
    return { recentRuns: Buffer.concat([encoded, recent.subarray(0, end)]), latestStartedAt: run.startedAt, lastGood: good };
  }
  const all = split(recent);
  all.push({ started: run.startedAt, bytes: encoded });
  all.sort((a, b) => b.started - a.started);
  const kept = all.slice(0, RECENT_RUNS);
  return { recentRuns: Buffer.concat(kept.map((r) => r.bytes)), latestStartedAt: kept[0]!.started, lastGood: good };
}

/** Adds a just-inserted run to its job's summary (inside the ingest transaction). */
export function addToSummary(db: Db, siteId: string, jobId: string, run: RunRecord): void {
  const s = stmts(db);
  const row = s.get.get(siteId, jobId);
  if (!row) return;
  const next = summaryWith(row.recent_runs, row.last_good, run);
  s.set.run(next.recentRuns, next.latestStartedAt, next.lastGood, siteId, jobId);
}

/**
 * The newest good run of a summary's `last_good` BLOB; the very object of `recent` when that
 * run is among them (usually it is the latest), so it is not decoded a second time.
 */
export function decodeLastGood(b: Buffer | null, recent: readonly RunRecord[] = []): RunRecord | null {
  if (b === null) return null;
  for (const r of recent) if (r instanceof StoredRun ? r.isRecord(b) : r.runId === b.toString('latin1', 0, 36)) return r;
  return new StoredRun(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0);
}

/** Recomputes every job's summary from `runs` (after bulk loads, or to repair). */
export function rebuildSummaries(db: Db): void {
  const s = stmts(db);
  for (const j of s.jobs.all()) {
    const runs = s.runs.all(j.site_id, j.job_id, RECENT_RUNS).map(recordOf);
    const good = s.lastGood.get(j.site_id, j.job_id);
    s.set.run(runs.length ? Buffer.concat(runs.map(encodeRun)) : null, runs[0]?.startedAt ?? null, good ? encodeRun(recordOf(good)) : null, j.site_id, j.job_id);
  }
}
