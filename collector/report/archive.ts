import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { SynError, describeError } from '../../core/errors.ts';
import { withLockFile, type LockOptions } from './lock.ts';
import {
  GENESIS_HASH, MANIFEST_NAME, entryHashOf, readLastEntry, readManifest, sha256Hex,
  type ManifestEntry, type ReportKind,
} from './manifest.ts';

/** The lock that serialises appends to one archive's manifest. */
export const LOCK_NAME = 'manifest.lock';
/** Temporary files live here, outside YYYY/MM, so a crash never leaves an unlisted report. */
const TMP_DIR = '.tmp';

export interface ArchiveRequest {
  kind: ReportKind;
  /** The client id, or "consultant" for the digest. */
  key: string;
  /** The report's date (YYYY-MM-DD): it decides the YYYY/MM folder. */
  date: string;
  /** Plain file names such as "digest-2026-11-24.pdf"; no folders. */
  files: { name: string; bytes: Buffer }[];
}

export interface ArchiveOptions extends LockOptions {
  /**
   * Called with the new last entry, still under the lock, when this call appended to the
   * manifest: the caller records the head outside the archive (the database), so that cutting
   * off the newest reports together with their manifest lines is noticed.
   */
  onAppended?: (head: ManifestEntry) => void;
}

/**
 * Stores finished reports for auditors under `<archiveDir>/YYYY/MM/` and records each in the
 * hash-chained manifest. A file is never overwritten: a different file of the same name gets a
 * suffix (-2, -3 ...), while archiving identical bytes again returns the existing entry. Writes
 * are atomic (temp file, then a hard link that fails rather than clobber) and appends are
 * serialised by a lock file, so concurrent collectors keep the chain intact.
 */
export async function archiveReport(archiveDir: string, req: ArchiveRequest, clock: Clock, opts: ArchiveOptions = {}): Promise<ManifestEntry[]> {
  const month = checkRequest(req);
  const monthDir = join(archiveDir, month);
  const tmpDir = join(archiveDir, TMP_DIR);
  try {
    mkdirSync(monthDir, { recursive: true });
    mkdirSync(tmpDir, { recursive: true });
  } catch (e) {
    throw new SynError('REPORT_FAILED', `the archive folder ${monthDir} cannot be created: ${describeError(e)}`, { cause: e });
  }
  const staged = req.files.map((f) => ({ ...f, sha256: sha256Hex(f.bytes), tmp: stage(tmpDir, f.bytes) }));
  try {
    return await withLockFile(join(archiveDir, LOCK_NAME), () => {
      const manifestPath = join(archiveDir, MANIFEST_NAME);
      const last = readLastEntryOrFail(manifestPath);
      let prev = last;
      const out: ManifestEntry[] = [];
      for (const f of staged) {
        const placed = place(archiveDir, month, f.name, f.tmp, f.sha256);
        if (placed.existing) {
          const listed = readManifest(manifestPath).find((l) => l.entry?.path === placed.path && l.entry.sha256 === f.sha256);
          if (listed?.entry) {
            out.push(listed.entry);
            continue;
          }
          // An identical file that is not listed (left by a crash): list it now.
        }
        const body = {
          seq: (prev?.seq ?? 0) + 1, path: placed.path, sha256: f.sha256, size: f.bytes.length,
          kind: req.kind, key: req.key, date: req.date, createdAt: clock.now().toISOString(),
          prevHash: prev?.entryHash ?? GENESIS_HASH,
        };
        const entry: ManifestEntry = { ...body, entryHash: entryHashOf(body) };
        appendLine(manifestPath, JSON.stringify(entry));
        out.push(entry);
        prev = entry;
      }
      if (prev !== last && prev) opts.onAppended?.(prev);
      return out;
    }, opts);
  } finally {
    for (const f of staged) removeQuietly(f.tmp);
  }
}

function checkRequest(req: ArchiveRequest): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(req.date);
  if (!m || Number.isNaN(Date.parse(`${req.date}T00:00:00Z`)) || new Date(`${req.date}T00:00:00Z`).toISOString().slice(0, 10) !== req.date) {
    throw new SynError('REPORT_FAILED', `archive: date "${req.date}" is not a calendar date (expected YYYY-MM-DD)`);
  }
  if (req.kind !== 'digest' && req.kind !== 'client') throw new SynError('REPORT_FAILED', `archive: kind "${String(req.kind)}" is not digest or client`);
  if (req.key === '') throw new SynError('REPORT_FAILED', 'archive: key is empty (expected a client id or "consultant")');
  for (const f of req.files) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(f.name) || f.name.length > 200) {
      throw new SynError('REPORT_FAILED', `archive: "${f.name}" is not a plain file name (letters, digits, . _ - and no folders)`);
    }
  }
  return `${m[1]}/${m[2]}`;
}

function stage(tmpDir: string, bytes: Buffer): string {
  const tmp = join(tmpDir, `${randomUUID()}.part`);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/** Links the staged file under the first free name; an identical file already there is reused. */
function place(archiveDir: string, month: string, name: string, tmp: string, sha256: string): { path: string; existing: boolean } {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; n < 10_000; n++) {
    const rel = `${month}/${n === 1 ? name : `${stem}-${n}${ext}`}`;
    const abs = join(archiveDir, rel);
    if (existsSync(abs)) {
      if (sha256Hex(readFileSync(abs)) === sha256) return { path: rel, existing: true };
      continue;
    }
    try {
      linkSync(tmp, abs);
      return { path: rel, existing: false };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // No hard links on this file system (FAT, some shares): rename instead. We hold the lock
      // and the name was free a moment ago, so only a writer ignoring the lock could clobber.
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
        renameSync(tmp, abs);
        return { path: rel, existing: false };
      }
      throw new SynError('REPORT_FAILED', `the report ${abs} cannot be written: ${describeError(e)}`, { cause: e });
    }
  }
  throw new SynError('REPORT_FAILED', `archive: too many files named ${name} in ${month}`);
}

function readLastEntryOrFail(manifestPath: string): ManifestEntry | null {
  try {
    return readLastEntry(manifestPath);
  } catch (e) {
    throw new SynError('ARCHIVE_TAMPERED', `${describeError(e)}; run "synecdoche report verify-archive" before archiving more`, { cause: e });
  }
}

function appendLine(manifestPath: string, line: string): void {
  const fd = openSync(manifestPath, 'a');
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export { formatVerifyResult, verifyArchive, type ArchiveProblem, type VerifyResult } from './verify.ts';
export type { ManifestEntry, ReportKind } from './manifest.ts';
