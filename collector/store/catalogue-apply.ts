import type { ManifestLine } from '../../core/result/manifest.ts';
import { statementsOf, type Db } from './db.ts';

interface OpenRow {
  file_id: number;
  from_at: number | null;
  size: number | null;
  mtime_ms: number | null;
  sha256: Buffer | null;
}

const stmts = statementsOf(prepare);

function prepare(db: Db) {
  return {
    openOfJob: db.prepare<[number], OpenRow & { path: string }>(
      `SELECT f.file_id, f.path, v.from_at, v.size, v.mtime_ms, v.sha256 FROM catalogue_files f
       JOIN catalogue_versions v ON v.file_id = f.file_id AND v.to_at IS NULL WHERE f.cjob = ?`,
    ),
    openOfPath: db.prepare<[number, string], OpenRow>(
      `SELECT f.file_id, v.from_at, v.size, v.mtime_ms, v.sha256 FROM catalogue_files f
       LEFT JOIN catalogue_versions v ON v.file_id = f.file_id AND v.to_at IS NULL WHERE f.cjob = ? AND f.path = ?`,
    ),
    fileOf: db.prepare<[number, string], { file_id: number }>('SELECT file_id FROM catalogue_files WHERE cjob = ? AND path = ?'),
    insertFile: db.prepare<[number, string]>('INSERT INTO catalogue_files (cjob, path) VALUES (?, ?)'),
    close: db.prepare<[number, number, number]>('UPDATE catalogue_versions SET to_at = ? WHERE file_id = ? AND from_at = ?'),
    setSha: db.prepare<[Buffer, number, number]>('UPDATE catalogue_versions SET sha256 = ? WHERE file_id = ? AND from_at = ?'),
    insertVersion: db.prepare<[number, number, number, number, Buffer | null]>(
      'INSERT OR REPLACE INTO catalogue_versions (file_id, from_at, to_at, size, mtime_ms, sha256) VALUES (?, ?, NULL, ?, ?, ?)',
    ),
  };
}

/** What applying a manifest changed. */
export interface ApplyCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

/**
 * Applies a manifest's lines to a job's catalogue as of backup time `at` (inside the caller's
 * transaction). A put of a file whose open version has the same size, mtime and hash changes
 * nothing (a hash learnt later is filled in); otherwise the open version ends at `at` and a new
 * one starts. A del ends the open version. A full manifest also ends every open version it
 * does not list: it reconciles whatever deltas were lost.
 */
export function applyLines(db: Db, cjob: number, at: number, mode: 'full' | 'delta', lines: readonly ManifestLine[]): ApplyCounts {
  const s = stmts(db);
  const counts: ApplyCounts = { added: 0, changed: 0, removed: 0, unchanged: 0 };
  const open = mode === 'full' ? new Map(s.openOfJob.all(cjob).map((r) => [r.path, r])) : null;
  const lookup = (path: string): OpenRow | undefined => {
    if (!open) return s.openOfPath.get(cjob, path);
    const r = open.get(path);
    if (r) {
      open.delete(path);
      return r;
    }
    const f = s.fileOf.get(cjob, path);
    return f ? { file_id: f.file_id, from_at: null, size: null, mtime_ms: null, sha256: null } : undefined;
  };
  for (const l of lines) {
    const row = lookup(l.path);
    const isOpen = row !== undefined && row.from_at !== null;
    if (l.op === 'del') {
      if (isOpen) {
        s.close.run(at, row.file_id, row.from_at!);
        counts.removed++;
      }
      continue;
    }
    const sha = l.sha256 === null ? null : Buffer.from(l.sha256, 'hex');
    if (isOpen && row.size === l.size && row.mtime_ms === l.mtimeMs && (row.sha256 === null || sha === null || row.sha256.equals(sha))) {
      if (row.sha256 === null && sha !== null) s.setSha.run(sha, row.file_id, row.from_at!);
      counts.unchanged++;
      continue;
    }
    let fileId = row?.file_id;
    if (fileId === undefined) fileId = Number(s.insertFile.run(cjob, l.path).lastInsertRowid);
    if (isOpen) {
      s.close.run(at, fileId, row.from_at!);
      counts.changed++;
    } else counts.added++;
    s.insertVersion.run(fileId, at, l.size, l.mtimeMs, sha);
  }
  if (open) {
    for (const r of open.values()) {
      s.close.run(at, r.file_id, r.from_at!);
      counts.removed++;
    }
  }
  return counts;
}

/**
 * Retention of the catalogue: versions that ended before `horizon` (ms) go, then the files left
 * with no version, and the manifest records (and unapplied parts) older than it, except each
 * job's newest applied one (a delta needs it as its base).
 */
export function pruneCatalogue(db: Db, horizon: number): { versionsDeleted: number; filesDeleted: number } {
  const ids = db.prepare<[number], { file_id: number }>('SELECT DISTINCT file_id FROM catalogue_versions WHERE to_at IS NOT NULL AND to_at < ?').all(horizon);
  const versionsDeleted = db.prepare('DELETE FROM catalogue_versions WHERE to_at IS NOT NULL AND to_at < ?').run(horizon).changes;
  const orphan = db.prepare<[number, number]>('DELETE FROM catalogue_files WHERE file_id = ? AND NOT EXISTS (SELECT 1 FROM catalogue_versions v WHERE v.file_id = ?)');
  let filesDeleted = 0;
  for (const { file_id } of ids) filesDeleted += orphan.run(file_id, file_id).changes;
  const old = `SELECT run_id FROM catalogue_manifests m WHERE at < ? AND run_id NOT IN (SELECT head_run_id FROM catalogue_jobs WHERE head_run_id IS NOT NULL)`;
  db.prepare(`DELETE FROM catalogue_parts WHERE result_run_id IN (${old})`).run(horizon);
  db.prepare(`DELETE FROM catalogue_manifests WHERE run_id IN (${old})`).run(horizon);
  // parts whose result never came
  db.prepare('DELETE FROM catalogue_parts WHERE received_at < ? AND result_run_id NOT IN (SELECT run_id FROM catalogue_manifests)').run(horizon);
  return { versionsDeleted, filesDeleted };
}
