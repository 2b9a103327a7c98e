import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { SynError } from '../../core/errors.ts';
import { tailLines } from '../../core/process.ts';
import { failedRestore, listWritten, newestCopyProblem, requestPaths, restoreOutcome } from '../restored.ts';
import { abortMessage, type PluginContext, type RestoreOutcome, type RestoreRequest } from '../types.ts';
import { isLocalRsyncPath, type RsyncOptions } from './index.ts';
import { parseRsyncOutput } from './parse.ts';

/**
 * Where the backup's root lies at the destination: `source/` (trailing slash) copies the
 * folder's contents into `destination`; `source` without one makes `destination/<name>`.
 * Always ends in "/", so that rsync copies the contents back. Works for `host:path` too.
 */
export function rsyncBackupRoot(o: Pick<RsyncOptions, 'source' | 'destination'>): string {
  const dest = o.destination.replace(/\/+$/, '');
  if (o.source.endsWith('/')) return `${dest}/`;
  const path = isLocalRsyncPath(o.source) ? o.source : o.source.slice(o.source.indexOf(':') + 1).replace(/^:/, '');
  const name = posix.basename(path.replace(/\/+$/, ''));
  return `${dest}/${name}/`;
}

/** The command line of a restore: the backup's root back into `to`, only `listFile`'s paths when given. */
export function rsyncRestoreArgs(o: RsyncOptions, to: string, listFile: string | null): string[] {
  const args = ['-a', '--stats', '--itemize-changes'];
  // --files-from turns off the -r that -a implies; folders in the list must still recurse.
  // NUL-separated (--from0): a file name may hold a newline.
  if (listFile) args.push('-r', '--from0', `--files-from=${listFile}`);
  if (o.rsh) args.push('-e', o.rsh);
  args.push(...o.restoreArgs, '--', rsyncBackupRoot(o), `${to.replace(/\/+$/, '')}/`);
  return args;
}

/** Runs rsync from the destination back into `req.to` (see the plugin's `restore`). */
export async function restoreRsync(options: RsyncOptions, req: RestoreRequest, ctx: PluginContext): Promise<RestoreOutcome> {
  const o = options;
  const { paths, bad } = requestPaths(req);
  if (bad.length > 0) return failedRestore(`these paths leave the backup's folder: ${bad.join(', ')} (expected paths relative to the backup's root)`);
  const older = newestCopyProblem('rsync', isLocalRsyncPath(o.destination) ? rsyncBackupRoot(o) : null, o.destination, req, paths);
  if (older) return failedRestore(older);
  const from = { at: req.manifest?.at ?? null, snapshot: null };
  const listDir = paths.length > 0 ? mkdtempSync(join(tmpdir(), 'synecdoche-rsync-restore-')) : null;
  try {
    const listFile = listDir ? join(listDir, 'paths') : null;
    if (listFile) writeFileSync(listFile, `${paths.join('\0')}\0`);
    const args = rsyncRestoreArgs(o, req.to, listFile);
    ctx.log.info({ command: o.binary, args }, 'starting rsync restore');
    let result;
    try {
      result = await ctx.exec(o.binary, args, { signal: ctx.signal });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SynError('PLUGIN_UNAVAILABLE', `${o.binary} is not installed or not on PATH`, { cause: e });
      if (ctx.signal.aborted) return failedRestore(abortMessage(ctx.signal), '', { from });
      throw e;
    }
    const output = Buffer.concat([result.stdout, result.stderr]).toString('utf8');
    const written = await listWritten(req.to, paths);
    if (ctx.signal.aborted) return { ...restoreOutcome('failed', written, [{ message: abortMessage(ctx.signal) }], tailLines(output), from) };
    if (result.exitCode === null) return restoreOutcome('failed', written, [{ message: `rsync was killed by signal ${result.signal ?? 'unknown'}` }], tailLines(output), from);
    // Any file rsync could not restore is a restore that did not fully work: never a mere warning.
    const parsed = parseRsyncOutput(output, result.exitCode, { partialTransferStatus: 'failed' });
    const missing = paths.filter((p) => !written.some((w) => w.path === p || w.path.startsWith(`${p}/`)));
    const errors = [...parsed.errors, ...missing.map((p) => ({ message: `${p} was asked for but is not in the backup`, path: p }))];
    const status = missing.length > 0 ? 'failed' : parsed.status;
    return restoreOutcome(status, written, errors, parsed.logTail, from, parsed.files.failed + missing.length);
  } finally {
    if (listDir) rmSync(listDir, { recursive: true, force: true });
  }
}
