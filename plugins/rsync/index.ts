import { z } from 'zod';
import { SynError } from '../../core/errors.ts';
import { tailLines } from '../../core/process.ts';
import { failedOutcome, type BackupPlugin, type PluginContext, type PluginOutcome, abortMessage } from '../types.ts';
import { parseRsyncOutput } from './parse.ts';

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

async function run(options: RsyncOptions, ctx: PluginContext): Promise<PluginOutcome> {
  const o = RsyncOptions.parse(options);
  const args = rsyncArgs(o);
  ctx.log.info({ jobId: ctx.jobId, runId: ctx.runId, command: o.binary, args }, 'starting rsync');
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
  return parseRsyncOutput(output, result.exitCode, { partialTransferStatus: o.partialTransferStatus });
}


/** Runs the real rsync with --stats and itemised changes and reads its output. */
export const rsyncPlugin = {
  name: 'rsync',
  description: 'Runs rsync -a --stats --itemize-changes and reports its counts and exit code',
  configSchema: RsyncOptions,
  pathOptions: { source: isLocalRsyncPath, destination: isLocalRsyncPath },
  statusFromLog: true,
  run,
  parse: (log: Buffer, exitCode: number | null, options?: Partial<RsyncOptions>) =>
    parseRsyncOutput(log.toString('utf8'), exitCode, { partialTransferStatus: options?.partialTransferStatus ?? 'warning' }),
} satisfies BackupPlugin<RsyncOptions>;
