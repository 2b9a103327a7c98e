import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeError } from '../../core/errors.ts';
import type { Db } from './db.ts';

/**
 * The last manifest entry of a report archive, as the collector recorded it when it archived
 * that report. It lives in the database, apart from the manifest: removing the newest reports
 * together with their manifest lines leaves a chain that is still consistent in itself, and only
 * a head kept elsewhere shows that it was cut short.
 */
export interface RecordedHead {
  seq: number;
  entryHash: string;
  /** The archived file of that entry ("2026/11/digest-2026-11-24.pdf"). */
  path: string;
  recordedAt: Date;
}

/**
 * Records `head` for the archive in `folder` unless a later entry (higher seq) is already
 * recorded: two collectors appending to one archive may record out of order.
 */
export function recordArchiveHead(db: Db, folder: string, head: { seq: number; entryHash: string; path: string }, at: Date): void {
  db.prepare(`INSERT INTO archive_heads (folder, seq, entry_hash, path, recorded_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (folder) DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash, path = excluded.path, recorded_at = excluded.recorded_at
    WHERE excluded.seq > archive_heads.seq`).run(resolve(folder), head.seq, head.entryHash, head.path, at.getTime());
}

/** The head recorded for the archive in `folder`, or null when none was recorded yet. */
export function recordedArchiveHead(db: Db, folder: string): RecordedHead | null {
  const r = db.prepare<[string], { seq: number; entry_hash: string; path: string; recorded_at: number }>(
    'SELECT seq, entry_hash, path, recorded_at FROM archive_heads WHERE folder = ?',
  ).get(resolve(folder));
  return r ? { seq: r.seq, entryHash: r.entry_hash, path: r.path, recordedAt: new Date(r.recorded_at) } : null;
}

/**
 * The head recorded for `folder` in the database file at `path`, or why there is none to compare
 * with (no file, unreadable, made before heads were recorded, nothing recorded yet). Opens the
 * file read-only and whatever its schema version: verifying never creates or upgrades a
 * database, and an auditor may run it on a copy.
 */
export function readRecordedHead(path: string, folder: string): RecordedHead | string {
  if (path === ':memory:') return 'the database is in memory only';
  if (!existsSync(path)) return `the database ${path} does not exist`;
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    return `the database ${path} cannot be opened (${describeError(e)})`;
  }
  try {
    db.pragma('busy_timeout = 5000');
    const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'archive_heads'`).get();
    if (!table) return `the database ${path} predates recorded archive heads (the next report made upgrades it and records the head)`;
    return recordedArchiveHead(db, folder) ?? `the database ${path} has no head recorded for this archive yet (one is recorded with every report archived)`;
  } catch (e) {
    return `the database ${path} cannot be read (${describeError(e)})`;
  } finally {
    db.close();
  }
}
