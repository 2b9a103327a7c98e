import type { ManifestEntry, PluginContext, PluginOutcome } from '../types.ts';
import type { ResticOptions } from './index.ts';
import { resticBackupRoot } from './restore.ts';

/**
 * Issue 11: the outcome with the manifest of the snapshot just made, from `restic ls --json
 * <id>` (the id is in the backup's summary), paths relative to the job's backup root
 * (resticBackupRoot). No snapshot (a failed backup), no manifest; a listing that fails is an
 * error in the outcome, not a silent absence.
 */
export async function withResticManifest(o: ResticOptions, outcome: PluginOutcome, output: string, ctx: PluginContext, env: NodeJS.ProcessEnv): Promise<PluginOutcome> {
  const id = /"message_type":"summary".*"snapshot_id":"([0-9a-f]{8,64})"/.exec(output)?.[1];
  if (!id || ctx.signal.aborted) return outcome;
  try {
    const r = await ctx.exec(o.binary, ['ls', '--json', id], { signal: ctx.signal, env });
    if (r.exitCode !== 0) throw new Error(`restic ls exited ${r.exitCode ?? `on signal ${r.signal}`}: ${r.stderr.toString('utf8').trim().slice(-500)}`);
    return { ...outcome, manifest: parseResticLs(r.stdout.toString('utf8'), resticBackupRoot(o.paths)) };
  } catch (e) {
    return { ...outcome, errors: [...outcome.errors, { message: `cannot list snapshot ${id} for the file manifest: ${(e as Error).message}`.slice(0, 2000) }] };
  }
}

/** The files of `restic ls --json` output under `root`, relative to it, sorted by path. */
export function parseResticLs(text: string, root: string): ManifestEntry[] {
  const base = toSnapshotPath(root).replace(/\/+$/, '');
  const out: ManifestEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"type":"file"')) continue;
    let n: { type?: unknown; path?: unknown; size?: unknown; mtime?: unknown };
    try {
      n = JSON.parse(line) as typeof n;
    } catch {
      continue;
    }
    if (n.type !== 'file' || typeof n.path !== 'string') continue;
    if (base !== '' && !n.path.startsWith(`${base}/`)) continue;
    const path = n.path.slice(base.length + 1);
    const mtime = typeof n.mtime === 'string' ? Date.parse(n.mtime) : NaN;
    out.push({ path, size: typeof n.size === 'number' ? n.size : 0, mtimeMs: Number.isFinite(mtime) ? mtime : 0, sha256: null });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** How restic names a local path inside a snapshot: "/" separators, a Windows drive as "/C". */
function toSnapshotPath(p: string): string {
  const s = p.replace(/\\/g, '/');
  const drive = /^([A-Za-z]):(\/|$)/.exec(s);
  return drive ? `/${drive[1]}${s.slice(2)}` : s === '/' ? '' : s;
}
