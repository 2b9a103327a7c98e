import { statSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunError, RunStatus } from '../core/result/schema.ts';
import type { ManifestEntry, RestoreOutcome, RestoreRequest } from './types.ts';

/**
 * What the tool-driven restores (rsync, restic, robocopy) share: the list of files a restore put
 * under `req.to`, read back from the disk rather than from the tool's output (a tool that says
 * "done" proves less than the files being there), and the outcome of a restore that failed.
 */

/** Joins "sub/c.txt" onto a folder with that folder's own separator (a Windows share keeps "\\"). */
export function joinUnder(base: string, rel: string): string {
  if (rel === '') return base;
  const sep = base.includes('\\') && !base.includes('/') ? '\\' : '/';
  return `${base.replace(/[\\/]+$/, '')}${sep}${rel.split('/').join(sep)}`;
}

/** A requested path made safe and plain: "/" separators, no leading "./" or "/", no "..". */
export function normaliseRequestPath(p: string): string | null {
  const parts = p.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) return null;
  return parts.join('/');
}

/**
 * The requested paths, normalised; a path that climbs out of the backup ("../x") is a
 * configuration error of the request, reported by name. An empty list (or "" / ".") means all.
 */
export function requestPaths(req: RestoreRequest): { paths: string[]; bad: string[] } {
  const paths: string[] = [];
  const bad: string[] = [];
  for (const p of req.paths) {
    const n = normaliseRequestPath(p);
    if (n === null) bad.push(p);
    else if (n === '') return { paths: [], bad };
    else paths.push(n);
  }
  return { paths: [...new Set(paths)], bad };
}

/**
 * Regular files under `to` (only under `to/<p>` for each requested path), relative to `to` with
 * "/" separators, sorted; sha256 is null (the agent hashes them when it verifies). Missing
 * requested paths are simply absent: the caller compares with what it asked for.
 */
export async function listWritten(to: string, paths: readonly string[], signal?: AbortSignal): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  const seen = new Set<string>();
  const visit = async (rel: string): Promise<void> => {
    if (signal?.aborted) return;
    let st;
    try {
      st = await lstat(rel === '' ? to : join(to, rel));
    } catch {
      return;
    }
    if (st.isDirectory()) {
      const names = await readdir(rel === '' ? to : join(to, rel));
      for (const name of names.sort()) await visit(rel === '' ? name : `${rel}/${name}`);
    } else if (st.isFile() && !seen.has(rel)) {
      seen.add(rel);
      out.push({ path: rel, size: st.size, mtimeMs: Math.floor(st.mtimeMs), sha256: null });
    }
  };
  for (const p of paths.length === 0 ? [''] : paths) await visit(p);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The outcome of a restore that went wrong before (or instead of) writing anything useful. */
export function failedRestore(message: string, logTail = '', extra: Partial<RestoreOutcome> = {}): RestoreOutcome {
  return {
    status: 'failed',
    from: { at: null, snapshot: null },
    files: { restored: 0, failed: 0 },
    bytes: { restored: 0 },
    written: [],
    errors: [{ message: message.slice(0, 2000) }],
    logTail,
    ...extra,
  };
}

/** An outcome from what the tool said (status, errors) and what is on disk (written). */
export function restoreOutcome(
  status: RunStatus,
  written: ManifestEntry[],
  errors: RunError[],
  logTail: string,
  from: RestoreOutcome['from'],
  failed = 0,
): RestoreOutcome {
  return {
    status,
    from,
    files: { restored: written.length, failed },
    bytes: { restored: written.reduce((n, e) => n + e.size, 0) },
    written,
    errors: errors.slice(0, 200),
    logTail,
  };
}

/**
 * For tools that keep one copy, the newest (rsync, robocopy): a restore "as of" an earlier time
 * is possible only while the destination still holds exactly that backup. With the agent's
 * manifest of that backup, the destination (`root`, null when it cannot be looked at from here)
 * is compared with it by size and mtime, which both tools keep; the first file that differs
 * says why the restore is refused. Null when there is no problem.
 */
export function newestCopyProblem(tool: string, root: string | null, where: string, req: RestoreRequest, paths: readonly string[]): string | null {
  if (req.at === null) return null;
  const when = (req.manifest?.at ?? req.at).toISOString();
  const why = `${tool} keeps only the newest copy of each file (this job has no backup-dir or link-dest option, so replaced versions are not kept): a restore as of ${when}`;
  const tail = 'restore the newest copy without --at, or use the copy plugin (which keeps replaced versions) or restic for jobs that need older versions';
  if (root === null) return `${why} cannot be checked against the remote destination ${where}; ${tail}`;
  if (!req.manifest) return `${why} needs the agent's record of that backup, and there is none; ${tail}`;
  const wanted = (e: ManifestEntry) => paths.length === 0 || paths.some((p) => e.path === p || e.path.startsWith(`${p}/`));
  for (const e of req.manifest.entries) {
    if (!wanted(e)) continue;
    let changed: string | null = null;
    try {
      const st = statSync(joinUnder(root, e.path));
      if (st.size !== e.size || Math.floor(st.mtimeMs / 1000) !== Math.floor(e.mtimeMs / 1000)) changed = 'was replaced by a later backup';
    } catch {
      changed = 'is no longer at the destination';
    }
    if (changed) return `${why} is not possible: ${e.path} ${changed}; ${tail}`;
  }
  return null;
}
