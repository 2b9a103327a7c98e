import fs from 'node:fs';
import path from 'node:path';
import { describeError } from '../../core/errors.ts';
import type { RunError } from '../../core/result/schema.ts';
import { RESTORE_HASH_MISMATCH, type ManifestEntry, type PluginContext, type RestoreOutcome, type RestoreRequest } from '../types.ts';
import { CHUNK_BYTES } from './hash.ts';
import type { CopyOptions } from './options.ts';
import { copyFileHashed, copyFileHashedSync } from './transfer.ts';
import { SMALL_FILE_BYTES } from './work.ts';
import { listVersions, VERSIONS_DIR } from './versions.ts';

const MAX_ERRORS = 200;
const MAX_LOG_TAIL = 20_000;

type Env = Pick<PluginContext, 'signal' | 'progress'>;

/**
 * Restores from the mirror into `req.to`. With a manifest (the agent's record of the backup run
 * chosen), every selected file is looked for by its backup-time hash: the mirror's copy first,
 * then the kept versions (keepVersions), those with the same size and mtime first; each
 * candidate is copied and hashed on the way, and kept only when the hash matches. A file found
 * nowhere is a failed file with its reason. Without a manifest the mirror is restored as it is
 * now (the newest backup), and the outcome says so when an older time was asked for.
 */
export async function restoreCopy(o: CopyOptions, req: RestoreRequest, env: Env): Promise<RestoreOutcome> {
  const errors: RunError[] = [];
  const notes: string[] = [];
  const written: ManifestEntry[] = [];
  let failed = 0;
  let bytes = 0;
  const fail = (e: RunError) => {
    failed++;
    errors.push(e);
  };
  const selected = req.manifest ? selectEntries(req.manifest.entries, req.paths) : mirrorEntries(o.destination, req.paths, errors);
  failed += errors.length; // folders of the mirror that could not be listed
  for (const p of selected.unmatched) fail({ path: p, message: `nothing in the backup matches "${p}"` });
  if (!req.manifest) {
    notes.push('no manifest of this backup is kept on this machine: restored the mirror as it is now (the newest backup)');
    if (req.at) notes.push(`asked for the backup as of ${req.at.toISOString()}, which needs a manifest: the newest was restored instead`);
  }
  const versions = listVersions(o.destination);
  // The first version kept after the backup holds the content the file had at the backup.
  const after = req.manifest ? versions.filter((v) => v.at.getTime() > req.manifest!.at.getTime()) : [];
  const before = req.manifest ? versions.filter((v) => v.at.getTime() <= req.manifest!.at.getTime()).reverse() : [];
  const roots = [o.destination, ...[...after, ...before].map((v) => path.join(o.destination, VERSIONS_DIR, v.name))];
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  const made = new Set<string>();
  const folder = (dir: string) => {
    if (made.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    made.add(dir);
  };
  let stopped: string | null = null;
  let done = 0;
  for (const entry of selected.entries) {
    if (env.signal.aborted) {
      stopped = `restore stopped before the end: ${describeError(env.signal.reason)}`;
      break;
    }
    const target = safeJoin(req.to, entry.path);
    if (!target) {
      fail({ path: entry.path, message: 'the backup names a path outside the restore folder: not restored' });
      continue;
    }
    try {
      const r = await restoreOne(entry, roots, target, { buf, toleranceMs: o.mtimeToleranceMs, signal: env.signal, folder });
      if (r.ok) {
        written.push({ path: entry.path, size: r.bytes, mtimeMs: entry.mtimeMs, sha256: r.hash });
        bytes += r.bytes;
      } else fail(r.error);
    } catch (e) {
      if (env.signal.aborted) {
        stopped = `restore stopped before the end: ${describeError(env.signal.reason)}`;
        break;
      }
      fail({ path: entry.path, message: `cannot restore: ${describeError(e)}`, ...codeOf(e) });
    }
    env.progress?.({ phase: 'restore', done: ++done, total: selected.entries.length, bytes });
    // Small files are copied synchronously: give the event loop a turn now and then, so an abort is seen.
    if (done % 64 === 0) await new Promise((r) => setImmediate(r));
  }
  if (stopped) errors.unshift({ message: stopped });
  if (errors.length > MAX_ERRORS) errors.splice(MAX_ERRORS - 1, errors.length, { message: `and ${errors.length - MAX_ERRORS + 1} more errors` });
  const status = stopped || failed > 0 ? 'failed' : req.at && !req.manifest ? 'warning' : 'ok';
  const lines = [
    `restore ${o.destination} -> ${req.to}${req.manifest ? ` (backup of ${req.manifest.at.toISOString()}, run ${req.manifest.runId})` : ''}`,
    ...notes,
    ...errors.slice(0, 100).map((e) => `error: ${e.path ?? ''}: ${e.message}`),
    `files: ${written.length} restored, ${failed} failed; ${bytes} bytes`,
    `status: ${status}`,
  ];
  return {
    status,
    from: { at: req.manifest?.at ?? null, snapshot: null },
    files: { restored: written.length, failed },
    bytes: { restored: bytes },
    written,
    errors,
    logTail: lines.join('\n').slice(-MAX_LOG_TAIL),
  };
}

type One = { ok: true; bytes: number; hash: string } | { ok: false; error: RunError };

/**
 * Tries each candidate for one file until one has the backup-time hash. When the backup recorded
 * no hash, the size and modification time are the only evidence: a candidate must match both.
 */
async function restoreOne(
  entry: ManifestEntry,
  roots: string[],
  target: string,
  o: { buf: Buffer; toleranceMs: number; signal: AbortSignal; folder: (dir: string) => void },
): Promise<One> {
  const { buf, toleranceMs, signal } = o;
  const probe = (root: string): { file: string; sameTime: boolean } | null => {
    const file = path.join(root, entry.path);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(file);
    } catch {
      return null;
    }
    return st.isFile() && st.size === entry.size ? { file, sameTime: Math.abs(st.mtimeMs - entry.mtimeMs) < toleranceMs + 1 } : null;
  };
  const attempt = async (c: { file: string }): Promise<One | null> => {
    o.folder(path.dirname(target));
    // Small files through synchronous calls: a promise per read costs more than the read (as in the mirror).
    const r = entry.size <= SMALL_FILE_BYTES ? copyFileHashedSync(c.file, target, buf, true) : await copyFileHashed(c.file, target, buf, true, signal);
    if (entry.sha256 !== null && r.hash !== entry.sha256) return null;
    const t = entry.mtimeMs / 1000;
    fs.utimesSync(target, t, t);
    return { ok: true, bytes: r.bytes, hash: r.hash };
  };
  // The common case first: the mirror holds the file as it was recorded (unchanged since); no version folder is looked at.
  const mirror = probe(roots[0]!);
  if (mirror?.sameTime) {
    const done = await attempt(mirror);
    if (done) return done;
  }
  const candidates = roots.map(probe).filter((c): c is { file: string; sameTime: boolean } => c !== null);
  if (entry.sha256 === null && candidates.length > 0 && !candidates.some((c) => c.sameTime)) {
    const when = new Date(entry.mtimeMs).toISOString();
    return { ok: false, error: { path: entry.path, message: `not found in the backup: no copy of ${entry.size} bytes modified at ${when} (the backup recorded no hash to look for)` } };
  }
  if (candidates.length === 0) {
    return { ok: false, error: { path: entry.path, message: `not found in the backup: no copy of ${entry.size} bytes in the mirror or its kept versions (keepVersions keeps replaced files)` } };
  }
  // Stable: same size and mtime first, each group in the order of `roots`.
  candidates.sort((a, b) => Number(b.sameTime) - Number(a.sameTime));
  for (const c of candidates) {
    if (mirror?.sameTime && c.file === mirror.file) continue; // tried above
    const done = await attempt(c);
    if (done) return done;
  }
  fs.rmSync(target, { force: true });
  return {
    ok: false,
    error: {
      path: entry.path,
      code: RESTORE_HASH_MISMATCH,
      message: `no copy in the backup has the hash recorded at backup time (sha256 ${entry.sha256!.slice(0, 12)}...; ${candidates.length} checked): damaged or changed after the backup`,
    },
  };
}

/** The manifest's entries under the asked paths ([] = all), and the asked paths that match nothing. */
export function selectEntries(entries: readonly ManifestEntry[], paths: readonly string[]): { entries: ManifestEntry[]; unmatched: string[] } {
  if (paths.length === 0) return { entries: [...entries], unmatched: [] };
  const hit = new Set<string>();
  const out = entries.filter((e) => {
    const p = paths.find((q) => e.path === q || e.path.startsWith(`${q}/`));
    if (p !== undefined) hit.add(p);
    return p !== undefined;
  });
  return { entries: out, unmatched: paths.filter((p) => !hit.has(p)) };
}

/** Without a manifest: the mirror's files now (sha256 unknown), under the asked paths. */
function mirrorEntries(destination: string, paths: readonly string[], errors: RunError[]): { entries: ManifestEntry[]; unmatched: string[] } {
  const entries: ManifestEntry[] = [];
  const unmatched: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(destination, rel);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch (e) {
      if (rel !== '') unmatched.push(rel);
      else errors.push({ message: `cannot read the backup folder ${destination}: ${describeError(e)}` });
      return;
    }
    if (st.isFile()) entries.push({ path: rel, size: st.size, mtimeMs: st.mtimeMs, sha256: null });
    else if (st.isDirectory()) {
      let names: string[];
      try {
        names = fs.readdirSync(abs).sort();
      } catch (e) {
        errors.push({ path: rel, message: `cannot list folder in the backup: ${describeError(e)}` });
        return;
      }
      for (const n of names) if (!(rel === '' && n === VERSIONS_DIR)) walk(rel === '' ? n : `${rel}/${n}`);
    }
  };
  if (paths.length === 0) walk('');
  else for (const p of paths) walk(p);
  return { entries, unmatched };
}

/** `to`/`rel`, or null when `rel` would leave `to` (an absolute path or "..": never trusted). */
function safeJoin(to: string, rel: string): string | null {
  if (rel === '' || path.isAbsolute(rel) || rel.split(/[\\/]/).some((s) => s === '..' || s === '')) return null;
  return path.join(to, rel);
}

function codeOf(e: unknown): { code?: string } {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? { code } : {};
}
