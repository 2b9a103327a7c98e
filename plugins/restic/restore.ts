import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { SynError } from '../../core/errors.ts';
import { tailLines } from '../../core/process.ts';
import type { RunError } from '../../core/result/schema.ts';
import { failedRestore, listWritten, requestPaths, restoreOutcome } from '../restored.ts';
import { abortMessage, type PluginContext, type RestoreOutcome, type RestoreRequest } from '../types.ts';
import { resticEnv, type ResticOptions } from './index.ts';

/**
 * The backup's root for a restic job, against which manifests, restores and drills name files:
 * the job's one path, or with several paths the folder they all lie under ("/" for
 * /home and /etc). restic keeps absolute paths in a snapshot; `restore` puts the files back
 * relative to this root, so `agent restore --path sub/c.txt` of a job backing up /srv/data
 * writes `<to>/sub/c.txt`, taken from /srv/data/sub/c.txt in the snapshot.
 */
export function resticBackupRoot(paths: readonly string[]): string {
  const split = paths.map((p) => p.replace(/\\/g, '/').replace(/\/+$/, '').split('/'));
  if (split.length === 1) return split[0]!.join('/') || '/';
  const common: string[] = [];
  for (let i = 0; split.every((s) => i < s.length - 1 && s[i] === split[0]![i]); i++) common.push(split[0]![i]!);
  return common.join('/') || '/';
}

/** How restic names a local path inside a snapshot: "/" separators, a Windows drive "C:" as "/C". */
export function snapshotPath(p: string): string {
  const s = p.replace(/\\/g, '/');
  const drive = /^([A-Za-z]):(\/|$)/.exec(s);
  return drive ? `/${drive[1]}${s.slice(2)}` : s;
}

/** One entry of `restic snapshots --json`. */
export interface ResticSnapshot {
  id: string;
  time: Date;
  paths: string[];
}

/** The snapshots in `restic snapshots --json` output, oldest first; entries it cannot read are skipped. */
export function parseSnapshots(json: string): ResticSnapshot[] {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: ResticSnapshot[] = [];
  for (const s of list as Record<string, unknown>[]) {
    const time = typeof s?.time === 'string' ? new Date(s.time) : null;
    if (typeof s?.id !== 'string' || !time || Number.isNaN(time.getTime())) continue;
    out.push({ id: s.id, time, paths: Array.isArray(s.paths) ? s.paths.filter((p): p is string => typeof p === 'string') : [] });
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime());
}

/** The newest snapshot at or before `at` (the newest of all when null). */
export function pickSnapshot(snapshots: readonly ResticSnapshot[], at: Date | null): ResticSnapshot | null {
  const fit = at === null ? snapshots : snapshots.filter((s) => s.time.getTime() <= at.getTime());
  return fit.at(-1) ?? null;
}

/** Lines of restic's restore output that say something went wrong. */
const RESTORE_ERROR = /^(Fatal: |ignoring error|error|.*: (permission denied|no such file or directory)$|.*(did not match|verification failed|mismatch))/i;

type Exec = (args: string[]) => Promise<{ code: number | null; output: string; stdout: string } | RestoreOutcome>;

/** Runs restic: the snapshots of the job's paths, the one asked for restored into `req.to`. */
export async function restoreRestic(o: ResticOptions, req: RestoreRequest, ctx: PluginContext): Promise<RestoreOutcome> {
  const { paths, bad } = requestPaths(req);
  if (bad.length > 0) return failedRestore(`these paths leave the backup's folder: ${bad.join(', ')} (expected paths relative to the backup's root)`);
  const env = resticEnv(o, process.env);
  const exec: Exec = async (args) => {
    ctx.log.info({ command: o.binary, args, repository: o.repository }, 'running restic');
    try {
      const r = await ctx.exec(o.binary, args, { signal: ctx.signal, env });
      const stdout = r.stdout.toString('utf8');
      const output = `${stdout}\n${r.stderr.toString('utf8')}`;
      if (ctx.signal.aborted) return failedRestore(abortMessage(ctx.signal), tailLines(output));
      if (r.exitCode === null) return failedRestore(`restic was killed by signal ${r.signal ?? 'unknown'}`, tailLines(output));
      return { code: r.exitCode, output, stdout };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SynError('PLUGIN_UNAVAILABLE', `${o.binary} is not installed or not on PATH`, { cause: e });
      if (ctx.signal.aborted) return failedRestore(abortMessage(ctx.signal));
      throw e;
    }
  };

  const listArgs = ['snapshots', '--json', ...o.paths.flatMap((p) => ['--path', p]), ...(o.tags.length ? ['--tag', o.tags.join(',')] : [])];
  const listed = await exec(listArgs);
  if ('status' in listed) return listed;
  if (listed.code !== 0) return failedRestore(`restic snapshots exited with code ${listed.code}: ${firstProblem(listed.output) ?? 'no reason given'}`, tailLines(listed.output));
  const snapshot = pickSnapshot(parseSnapshots(listed.stdout), req.at);
  if (!snapshot) {
    const when = req.at ? ` at or before ${req.at.toISOString()}` : '';
    return failedRestore(`the repository ${o.repository} has no snapshot of ${o.paths.join(', ')}${when}`, tailLines(listed.output));
  }
  const from = { at: snapshot.time, snapshot: snapshot.id };

  const root = resticBackupRoot(o.paths);
  mkdirSync(req.to, { recursive: true });
  // restic writes absolute paths under its target: into a hidden folder first, then moved up so
  // that files sit in `req.to` as they sat under the backup's root.
  const staging = join(req.to, `.synecdoche-restic-${ctx.runId}`);
  try {
    const inSnapshot = snapshotPath(root);
    const includes = paths.flatMap((p) => ['--include', posix.join(inSnapshot, p)]);
    const restored = await exec(['restore', snapshot.id, '--target', staging, '--verify', ...includes, ...o.restoreArgs]);
    mergeInto(join(staging, ...inSnapshot.split('/').filter(Boolean)), req.to);
    rmSync(staging, { recursive: true, force: true });
    const written = await listWritten(req.to, paths);
    if ('status' in restored) return { ...restored, from, written, files: { restored: written.length, failed: 0 }, bytes: { restored: written.reduce((n, w) => n + w.size, 0) } };
    const errors: RunError[] = restored.output.split(/\r?\n/).filter((l) => RESTORE_ERROR.test(l.trim())).map((l) => ({ message: l.trim().slice(0, 2000) }));
    const missing = paths.filter((p) => !written.some((w) => w.path === p || w.path.startsWith(`${p}/`)));
    for (const p of missing) errors.push({ message: `${p} was asked for but is not in snapshot ${snapshot.id.slice(0, 8)}`, path: p });
    if (restored.code !== 0) errors.unshift({ message: `restic restore exited with code ${restored.code}`, code: String(restored.code) });
    const ok = restored.code === 0 && errors.length === 0 && /finished verifying \d+ files/.test(restored.output);
    return restoreOutcome(ok ? 'ok' : 'failed', written, errors, tailLines(restored.output), from, missing.length);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function firstProblem(output: string): string | undefined {
  return output.split(/\r?\n/).map((l) => l.trim()).find((l) => RESTORE_ERROR.test(l));
}

/** Moves the tree `from` into `to`, replacing files of the same name (an in-place restore). */
function mergeInto(from: string, to: string): void {
  let names: string[];
  try {
    names = readdirSync(from);
  } catch {
    return; // nothing was restored
  }
  mkdirSync(to, { recursive: true });
  for (const name of names) {
    const a = join(from, name);
    const b = join(to, name);
    if (statSync(a).isDirectory() && isFolder(b)) mergeInto(a, b);
    else {
      rmSync(b, { recursive: true, force: true });
      renameSync(a, b);
    }
  }
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
