import { z } from 'zod';
import { existsSync } from 'node:fs';
import { SynError } from '../../core/errors.ts';
import { tailLines } from '../../core/process.ts';
import { programProblem } from '../checks.ts';
import { failedOutcome, type BackupPlugin, type PluginContext, type PluginOutcome, abortMessage } from '../types.ts';
import { parseRsyncOutput } from './parse.ts';
import { restoreRsync } from './restore.ts';
import { withRsyncManifest } from './manifest.ts';

/** The `options:` of an rsync job. */
export const RsyncOptions = z
  .object({
    source: z.string().min(1).describe('what to copy; a trailing "/" copies the contents of a directory'),
    destination: z.string().min(1).describe('where to copy to: a local path or host:path'),
    delete: z.boolean().default(false).describe('remove files at the destination that are not in the source (--delete)'),
    excludes: z.array(z.string().min(1)).default([]).describe('patterns passed as --exclude'),
    extraArgs: z.array(z.string()).default([]).describe('further rsync arguments, placed before source and destination'),
    rsh: z.string().min(1).optional().describe('remote shell command for -e, e.g. "ssh -i /etc/synecdoche/id_ed25519"'),
    partialTransferStatus: z
      .enum(['warning', 'failed'])
      .default('warning')
      .describe('what exit codes 23 (some files not transferred) and 24 (source files vanished) become'),
    binary: z.string().min(1).default('rsync').describe('the rsync program to run'),
    restoreArgs: z
      .array(z.string())
      .default([])
      .describe('further rsync arguments for restores and drills (extraArgs are not used: --link-dest, --remove-source-files ... mean something else in reverse)'),
  })
  .strict();
export type RsyncOptions = z.infer<typeof RsyncOptions>;

/**
 * rsync's own rule (the man page, "USAGE"): a colon before any slash makes `host:path` (or
 * `host::module`) a remote location, as does `rsync://`; anything else is a local path.
 */
export function isLocalRsyncPath(p: string): boolean {
  return !p.startsWith('rsync://') && !/^[^/]*:/.test(p);
}

/** The command line for the options, without the program. */
export function rsyncArgs(o: RsyncOptions): string[] {
  const args = ['-a', '--stats', '--itemize-changes'];
  if (o.delete) args.push('--delete');
  for (const e of o.excludes) args.push(`--exclude=${e}`);
  if (o.rsh) args.push('-e', o.rsh);
  args.push(...o.extraArgs, '--', o.source, o.destination);
  return args;
}

/** rsync's short options that take a value: the rest of a cluster, or the next argument, is it. */
const SHORT_WITH_VALUE = new Set(['B', 'e', 'f', 'M', 'T', '@']);

/**
 * True when the arguments ask rsync for a dry run: `--dry-run`, `-n`, or `n` in a cluster of
 * short options (`-an`, `-avn`). rsync has no option that turns a dry run off again.
 */
export function asksForDryRun(args: readonly string[]): boolean {
  let dry = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '--dry-run') dry = true;
    else if (/^-[^-]/.test(a)) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (c === 'n') dry = true;
        if (SHORT_WITH_VALUE.has(c)) {
          if (j === a.length - 1) i++; // the value is the next argument
          break;
        }
      }
    }
  }
  return dry;
}

async function run(options: RsyncOptions, ctx: PluginContext): Promise<PluginOutcome> {
  const o = RsyncOptions.parse(options);
  const args = rsyncArgs(o);
  ctx.log.info({ command: o.binary, args }, 'starting rsync');
  let result;
  try {
    result = await ctx.exec(o.binary, args, { signal: ctx.signal });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SynError('PLUGIN_UNAVAILABLE', `${o.binary} is not installed or not on PATH`, { cause: e });
    if (ctx.signal.aborted) return failedOutcome(abortMessage(ctx.signal));
    throw e;
  }
  const output = Buffer.concat([result.stdout, result.stderr]).toString('utf8');
  if (ctx.signal.aborted) return failedOutcome(abortMessage(ctx.signal), result.exitCode, tailLines(output));
  if (result.exitCode === null) return failedOutcome(`rsync was killed by signal ${result.signal ?? 'unknown'}`, null, tailLines(output));
  const dryRun = asksForDryRun(args);
  return withRsyncManifest(o, parseRsyncOutput(output, result.exitCode, { partialTransferStatus: o.partialTransferStatus, dryRun }), ctx, dryRun);
}

/** What `agent check` finds wrong: no rsync program to run, a local source that does not exist. */
export function checkRsyncOptions(o: RsyncOptions): string[] {
  const problems: string[] = [];
  const binary = programProblem(o.binary);
  if (binary) problems.push(`binary: ${binary}`);
  if (isLocalRsyncPath(o.source) && !existsSync(o.source)) problems.push(`source: ${o.source} does not exist`);
  return problems;
}

/** Runs the real rsync with --stats and itemised changes and reads its output. */
export const rsyncPlugin = {
  name: 'rsync',
  description: 'Runs rsync -a --stats --itemize-changes and reports its counts and exit code',
  configSchema: RsyncOptions,
  pathOptions: { source: isLocalRsyncPath, destination: isLocalRsyncPath },
  statusFromLog: true,
  run,
  restore: (options: RsyncOptions, req, ctx) => restoreRsync(RsyncOptions.parse(options), req, ctx),
  // `src/` and `src` both back up the folder src: manifest paths are relative to it.
  sourceRoot: (options: RsyncOptions) => (isLocalRsyncPath(options.source) ? options.source.replace(/(?<=.)\/+$/, '') : null),
  check: checkRsyncOptions,
  parse: (log: Buffer, exitCode: number | null, options?: Partial<RsyncOptions>) =>
    parseRsyncOutput(log.toString('utf8'), exitCode, { partialTransferStatus: options?.partialTransferStatus ?? 'warning' }),
} satisfies BackupPlugin<RsyncOptions>;
