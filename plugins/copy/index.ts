import { describeError } from '../../core/errors.ts';
import type { RunError } from '../../core/result/schema.ts';
import { readableFolderProblem, writableFolderProblem } from '../checks.ts';
import type { BackupPlugin, ManifestEntry, PluginContext, PluginOutcome, RestoreOutcome, RestoreRequest } from '../types.ts';
import { walkManifest } from '../manifest.ts';
import { VERSIONS_DIR } from './versions.ts';
import { MirrorRun, SourceUnreadable, type MirrorEnv } from './mirror.ts';
import { CopyOptions } from './options.ts';
import { restoreCopy } from './restore.ts';

export { CopyOptions } from './options.ts';

/** Most errors a result may carry (the result format's limit); the last slot says how many more. */
const MAX_ERRORS = 200;
const MAX_LOG_TAIL = 20_000;

/**
 * The `copy` plugin: a pure Node incremental mirror with SHA-256 verification (no tool to install).
 *
 * Status, from the run's evidence:
 * - failed: the source (or destination) folder cannot be listed; any file could not be copied or
 *   read; any verification mismatch (what is at the destination is not what was copied); the run
 *   was aborted (timeout or shutdown).
 * - warning: everything was copied and verified, but extras could not be removed.
 * - ok: otherwise. Extras left in place because `removeExtras` is off are counted, not a fault;
 *   fifos, sockets and devices are skipped with a note, as `rsync -a` does without -D.
 *
 * Symlinks are never followed: they are recreated as symlinks with the same target and counted
 * as files (no bytes). Empty folders are created. Owners are not copied; modes and (by default)
 * modification times are.
 */
export const copyPlugin = {
  name: 'copy',
  description: 'Incremental mirror of a folder in pure Node, verified by SHA-256 (no tool needed).',
  configSchema: CopyOptions,
  pathOptions: { source: 'path', destination: 'path' },
  async run(options: CopyOptions, ctx: PluginContext): Promise<PluginOutcome> {
    return runCopy(CopyOptions.parse(options), { signal: ctx.signal, clock: ctx.clock, progress: ctx.progress }, ctx);
  },
  check: checkCopyOptions,
  /** From the mirror, or for an older backup from the versions kept by `keepVersions`, found by hash (restore.ts). */
  async restore(options: CopyOptions, req: RestoreRequest, ctx: PluginContext): Promise<RestoreOutcome> {
    return restoreCopy(CopyOptions.parse(options), req, ctx);
  },
  sourceRoot: (options: CopyOptions) => options.source,
} satisfies BackupPlugin<CopyOptions>;

/** What `agent check` finds wrong: a source that is not a readable folder, a destination that cannot be made or written. */
export function checkCopyOptions(o: CopyOptions): string[] {
  const source = readableFolderProblem(o.source);
  const destination = writableFolderProblem(o.destination);
  return [...(source ? [`source: ${source}`] : []), ...(destination ? [`destination: ${destination}`] : [])];
}

/** The plugin's run with the test seams of MirrorEnv exposed. */
export async function runCopy(options: CopyOptions, env: MirrorEnv, ctx?: Pick<PluginContext, 'log' | 'runId'>): Promise<PluginOutcome> {
  const mirror = new MirrorRun(options, env);
  const started = env.clock.now().getTime();
  let stopped: string | null = null;
  try {
    await mirror.run();
  } catch (e) {
    if (env.signal.aborted) stopped = `aborted before the end (timed out or shut down): ${describeError(env.signal.reason)}`;
    else if (e instanceof SourceUnreadable) stopped = e.message;
    else stopped = `copy stopped by an unexpected error: ${describeError(e)}`;
  }
  const v = mirror.verification;
  let status: PluginOutcome['status'] = 'ok';
  if (stopped || mirror.files.failed > 0 || (v && v.mismatches > 0)) status = 'failed';
  else if (mirror.removalFailures > 0) status = 'warning';

  const errors: RunError[] = stopped ? [{ message: stopped }, ...mirror.errors] : [...mirror.errors];
  if (errors.length > MAX_ERRORS) errors.splice(MAX_ERRORS - 1, errors.length, { message: `and ${errors.length - MAX_ERRORS + 1} more errors` });

  const f = mirror.files;
  const lines = [
    `copy ${options.source} -> ${options.destination}`,
    ...mirror.notes.slice(0, 50),
    ...mirror.errors.slice(0, 100).map((e) => `error: ${e.path ?? ''}: ${e.message}`),
    ...(stopped ? [stopped] : []),
    `files: ${f.examined} examined, ${f.copied} copied, ${f.skipped} skipped, ${f.failed} failed, ${f.extra} extra` +
      (options.removeExtras ? ` (${mirror.extrasRemoved} removed)` : ''),
    `bytes: ${mirror.bytes.examined} examined, ${mirror.bytes.copied} copied`,
    v ? `verification (${v.mode}, ${v.algorithm}): ${v.checked} checked, ${v.mismatches} mismatches` : 'verification: none',
    `status: ${status} in ${((env.clock.now().getTime() - started) / 1000).toFixed(1)} s`,
  ];
  const logTail = lines.join('\n').slice(-MAX_LOG_TAIL);
  ctx?.log.info({ runId: ctx.runId, status, files: f, verification: v }, 'copy finished');
  const manifest = await destinationManifest(options.destination, mirror.hashes, env.signal, errors);
  return { status, exitCode: null, files: { ...f }, bytes: { ...mirror.bytes }, verification: v, errors, logTail, ...(manifest ? { manifest } : {}) };
}

/** Issue 11: every file in the mirror after the run (not the kept versions), with the hashes this run verified. */
async function destinationManifest(destination: string, hashes: ReadonlyMap<string, string>, signal: AbortSignal, errors: RunError[]): Promise<ManifestEntry[] | null> {
  if (signal.aborted) return null;
  try {
    return await walkManifest(destination, { rootSkip: [VERSIONS_DIR], hashes, signal });
  } catch (e) {
    if (errors.length < MAX_ERRORS) errors.push({ message: `cannot list the destination for the file manifest: ${describeError(e)}` });
    return null;
  }
}
