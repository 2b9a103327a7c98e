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

/** A manifest entry as archiveReport returns it: `reused` when identical bytes were archived before. */
export type ArchivedFile = ManifestEntry & { reused: boolean };

/**
 * Stores finished reports for auditors under `<archiveDir>/YYYY/MM/` and records each in the
 * hash-chained manifest. The archive is append-only: a file is never overwritten or removed.
 * Archiving identical bytes again (same SHA-256) returns the existing entry and adds nothing; a
 * report made again for the same date with other content (a re-run later in the day, a late
 * result) is a revision beside the first, "digest-2026-11-24-rev2.html", "-rev3" ..., so an
 * auditor sees every version that was produced. Writes are atomic (temp file, then a hard link
 * that fails rather than clobber) and appends are serialised by a lock file, so concurrent
 * collectors keep the chain intact.
 */
export async function archiveReport(archiveDir: string, req: ArchiveRequest, clock: Clock, opts: ArchiveOptions = {}): Promise<ArchivedFile[]> {
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
      const out: ArchivedFile[] = [];
      const revision = chooseRevision(archiveDir, month, staged);
      for (const f of staged) {
        const placed = place(archiveDir, month, revisionName(f.name, revision), f.tmp, f.sha256);
        if (placed.existing) {
          const listed = readManifest(manifestPath).find((l) => l.entry?.path === placed.path && l.entry.sha256 === f.sha256);
          if (listed?.entry) {
            out.push({ ...listed.entry, reused: true });
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
        out.push({ ...entry, reused: false });
        prev = entry;
      }
      if (prev !== last && prev) opts.onAppended?.(prev);
      return out;
    }, opts);
  } finally {
    for (const f of staged) removeQuietly(f.tmp);
  }
}

/**
 * The archived revision of `name` (for the report date `date`) whose bytes are `bytes`, with the
 * listed file of the same revision named `sibling` (".pdf" beside ".html") and its bytes; null
 * when there is none, or the sibling is not listed or not intact. A report whose HTML is
 * unchanged is the same report: its PDF need not be rendered and archived again (Chromium stamps
 * every PDF with the time it was made, so a new rendering never has the same bytes).
 */
export function archivedTwin(archiveDir: string, date: string, name: string, bytes: Buffer, siblingExt: string): { entry: ManifestEntry; sibling: ManifestEntry; siblingBytes: Buffer } | null {
  const month = `${date.slice(0, 4)}/${date.slice(5, 7)}`;
  const sha256 = sha256Hex(bytes);
  const lines = readManifest(join(archiveDir, MANIFEST_NAME));
  const entry = lines.map((l) => l.entry).find((e) => e?.date === date && e.sha256 === sha256 && e.path.startsWith(`${month}/`) && revisionOf(e.path, name) !== null);
  if (!entry) return null;
  const siblingPath = entry.path.replace(/\.[^./]+$/, siblingExt);
  const sibling = lines.map((l) => l.entry).find((e) => e?.path === siblingPath);
  if (!sibling) return null;
  try {
    const siblingBytes = readFileSync(join(archiveDir, sibling.path));
    return sha256Hex(siblingBytes) === sibling.sha256 ? { entry, sibling, siblingBytes } : null;
  } catch {
    return null; // gone: verify-archive reports it; here it is simply made again
  }
}

/** The revision number of `path` as a file named `name` ("x.html" 1, "x-rev3.html" 3), or null. */
function revisionOf(path: string, name: string): number | null {
  const file = path.slice(path.lastIndexOf('/') + 1);
  const m = /-rev(\d+)(\.[^.]*)?$/.exec(file);
  const n = m ? Number(m[1]) : 1;
  return revisionName(name, n) === file ? n : null;
}

function checkRequest(req: ArchiveRequest): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(req.date);
  if (!m || Number.isNaN(Date.parse(`${req.date}T00:00:00Z`)) || new Date(`${req.date}T00:00:00Z`).toISOString().slice(0, 10) !== req.date) {
    throw new SynError('REPORT_FAILED', `archive: date "${req.date}" is not a calendar date (expected YYYY-MM-DD)`);
  }
  if (req.kind !== 'digest' && req.kind !== 'client' && req.kind !== 'monthly') throw new SynError('REPORT_FAILED', `archive: kind "${String(req.kind)}" is not digest, client or monthly`);
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

/** "x.html" as revision n: "x.html", "x-rev2.html", "x-rev3.html" ... */
function revisionName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  return n === 1 ? name : `${stem}-rev${n}${ext}`;
}

/**
 * The first revision under which every file of one request fits: its name is free, or holds
 * these very bytes. One request (a report's HTML and PDF) shares one revision number, so
 * "-rev3.html" and "-rev3.pdf" are always the same report.
 */
function chooseRevision(archiveDir: string, month: string, files: readonly { name: string; sha256: string }[]): number {
  for (let n = 1; n < 10_000; n++) {
    const fits = files.every((f) => {
      const abs = join(archiveDir, month, revisionName(f.name, n));
      return !existsSync(abs) || sha256Hex(readFileSync(abs)) === f.sha256;
    });
    if (fits) return n;
  }
  throw new SynError('REPORT_FAILED', `archive: too many revisions of ${files[0]?.name ?? 'a report'} in ${month}`);
}

/** Links the staged file under its revision's name; an identical file already there is reused. */
function place(archiveDir: string, month: string, name: string, tmp: string, sha256: string): { path: string; existing: boolean } {
  const rel = `${month}/${name}`;
  const abs = join(archiveDir, rel);
  if (existsSync(abs)) {
    if (sha256Hex(readFileSync(abs)) === sha256) return { path: rel, existing: true };
    throw new SynError('REPORT_FAILED', `archive: ${abs} appeared with other content while the archive was locked (a writer ignoring the lock?)`);
  }
  try {
    linkSync(tmp, abs);
    return { path: rel, existing: false };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No hard links on this file system (FAT, some shares): rename instead. We hold the lock
    // and the name was free a moment ago, so only a writer ignoring the lock could clobber.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
      renameSync(tmp, abs);
      return { path: rel, existing: false };
    }
    throw new SynError('REPORT_FAILED', `the report ${abs} cannot be written: ${describeError(e)}`, { cause: e });
  }
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
