import { statSync } from 'node:fs';
import type { RunError } from '../../core/result/schema.ts';
import { failedRestore, joinUnder, listWritten, newestCopyProblem, requestPaths } from '../restored.ts';
import type { PluginContext, RestoreOutcome, RestoreRequest } from '../types.ts';
import type { RobocopyOptions } from './options.ts';
import { runRobocopy } from './run.ts';

/** One robocopy call of a restore: a folder copied whole (/E), or one file of a folder. */
export interface RobocopyRestoreStep {
  /** The path asked for, relative to the backup's root. */
  path: string;
  from: string;
  to: string;
  file: string | null;
}

/**
 * The robocopy calls that put `paths` back (all of the destination when empty): robocopy copies
 * folders, so a file is its folder with the file's name as the pattern. Whether a path is a file
 * comes from the backup's manifest, else from the destination itself.
 */
export function robocopyRestoreSteps(o: RobocopyOptions, req: RestoreRequest, paths: readonly string[]): RobocopyRestoreStep[] {
  if (paths.length === 0) return [{ path: '', from: o.destination, to: req.to, file: null }];
  const files = new Set(req.manifest?.entries.map((e) => e.path) ?? []);
  return paths.map((p) => {
    const isFile = req.manifest ? files.has(p) : isFileAt(joinUnder(o.destination, p));
    if (!isFile) return { path: p, from: joinUnder(o.destination, p), to: joinUnder(req.to, p), file: null };
    const slash = p.lastIndexOf('/');
    const folder = slash < 0 ? '' : p.slice(0, slash);
    return { path: p, from: joinUnder(o.destination, folder), to: joinUnder(req.to, folder), file: p.slice(slash + 1) };
  });
}

function isFileAt(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs robocopy from the destination back into `req.to`, one call per path asked for, each
 * read from its own /UNILOG log like a backup run. Never /MIR: a restore adds and replaces,
 * it never deletes what the target holds besides.
 */
export async function restoreRobocopy(o: RobocopyOptions, req: RestoreRequest, ctx: PluginContext, platform: NodeJS.Platform = process.platform): Promise<RestoreOutcome> {
  const { paths, bad } = requestPaths(req);
  if (bad.length > 0) return failedRestore(`these paths leave the backup's folder: ${bad.join(', ')} (expected paths relative to the backup's root)`);
  const from = { at: req.manifest?.at ?? null, snapshot: null };
  const older = newestCopyProblem('robocopy', o.destination, o.destination, req, paths);
  if (older) return failedRestore(older);
  const errors: RunError[] = [];
  const tails: string[] = [];
  let failed = 0;
  let copied = 0;
  let bytes = 0;
  let status: RestoreOutcome['status'] = 'ok';
  for (const step of robocopyRestoreSteps(o, req, paths)) {
    const options: RobocopyOptions = {
      ...o,
      source: step.from,
      destination: step.to,
      files: step.file ? [step.file] : [],
      mirror: false,
      excludeDirs: [],
      excludeFiles: [],
      logFile: undefined,
      extraArgs: step.file ? [] : ['/E'],
    };
    const out = await runRobocopy(options, ctx, platform);
    tails.push(out.logTail);
    errors.push(...out.errors);
    failed += out.files.failed;
    copied += out.files.copied;
    bytes += out.bytes.copied;
    if (out.status === 'failed') status = 'failed';
    else if (out.status === 'warning' && status === 'ok') status = 'warning';
    if (step.file && out.status !== 'failed' && out.files.copied + out.files.skipped === 0) {
      errors.push({ message: `${step.path} was asked for but robocopy found no such file in ${step.from}`, path: step.path });
      status = 'failed';
      failed++;
    }
    if (ctx.signal.aborted) break;
  }
  const written = await listWritten(req.to, paths);
  // A target this process cannot list back (a share it lacks rights to read) leaves robocopy's own counts.
  const restored = written.length > 0 ? written.length : copied;
  const restoredBytes = written.length > 0 ? written.reduce((n, w) => n + w.size, 0) : bytes;
  return { status, from, files: { restored, failed }, bytes: { restored: restoredBytes }, written, errors: errors.slice(0, 200), logTail: tails.join('\n').slice(-8000) };
}
