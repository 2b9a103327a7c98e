import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SynError } from '../../core/errors.ts';
import { isFile, isFolder } from '../../core/folder.ts';
import { tailLines } from '../../core/process.ts';
import { failedOutcome, type BackupPlugin, type PluginContext, type PluginOutcome, abortMessage } from '../types.ts';
import { parseResticOutput } from './parse.ts';
import { resticBackupRoot, restoreRestic } from './restore.ts';
import { withResticManifest } from './manifest.ts';

/** The `options:` of a restic job. The password comes from a file or a named variable, never inline. */
export const ResticOptions = z
  .object({
    repository: z.string().min(1).describe('the restic repository (RESTIC_REPOSITORY), e.g. /srv/restic or sftp:host:/repo'),
    passwordFile: z.string().min(1).optional().describe('file holding the repository password (RESTIC_PASSWORD_FILE)'),
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe('name of an environment variable holding the password'),
    paths: z.array(z.string().min(1)).min(1).describe('files and directories to back up'),
    excludes: z.array(z.string().min(1)).default([]).describe('patterns passed as --exclude'),
    tags: z.array(z.string().min(1)).default([]).describe('tags added to the snapshot (--tag)'),
    extraArgs: z.array(z.string()).default([]).describe('further arguments of `restic backup`, placed before the paths'),
    binary: z.string().min(1).default('restic').describe('the restic program to run'),
    restoreArgs: z.array(z.string()).default([]).describe('further arguments of `restic restore` for restores and drills (e.g. ["--limit-download=2048"])'),
  })
  .strict()
  .refine((o) => (o.passwordFile === undefined) !== (o.passwordEnv === undefined), {
    message: 'set exactly one of passwordFile and passwordEnv',
    path: ['passwordFile'],
  });
export type ResticOptions = z.infer<typeof ResticOptions>;

/** restic's remote backends (`sftp:host:/repo` ...); any other repository is a local folder. */
const REMOTE_REPOSITORY = /^(local|sftp|rest|s3|azure|gs|b2|swift|rclone):/;

/** True when restic reads the repository as a local folder (a `local:` prefix is left alone). */
export function isLocalResticRepository(repository: string): boolean {
  return !REMOTE_REPOSITORY.test(repository);
}

/**
 * What `agent check` finds wrong without running restic: a password file that is missing,
 * unreadable or empty, a local repository folder that does not exist or was never initialised.
 */
export function checkResticOptions(o: ResticOptions): string[] {
  const problems: string[] = [];
  if (o.passwordFile !== undefined) {
    const why = unreadableSecret(o.passwordFile);
    if (why) problems.push(`passwordFile: ${why}`);
  }
  if (isLocalResticRepository(o.repository)) {
    if (!isFolder(o.repository)) problems.push(`repository: ${o.repository} does not exist or is not a folder (make the repository with "restic init")`);
    else if (!isFile(join(o.repository, 'config'))) problems.push(`repository: ${o.repository} is not a restic repository (no "config" file in it; make one with "restic init")`);
  }
  return problems;
}

function unreadableSecret(path: string): string | null {
  let text: string;
  try {
    if (statSync(path).isDirectory()) return `${path} is a folder, expected the file holding the repository password`;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${path} does not exist (expected the file holding the repository password)`;
    if (code === 'EACCES' || code === 'EPERM') return `${path} cannot be read by this user (permission denied); the agent's user must be able to read it`;
    return `cannot read ${path}: ${(e as Error).message}`;
  }
  return text.trim() === '' ? `${path} is empty (expected the repository password in it)` : null;
}

/** `restic backup --json ...` arguments for the options, without the program. */
export function resticArgs(o: ResticOptions): string[] {
  const args = ['backup', '--json'];
  for (const e of o.excludes) args.push(`--exclude=${e}`);
  for (const t of o.tags) args.push(`--tag=${t}`);
  args.push(...o.extraArgs, '--', ...o.paths);
  return args;
}

const RESTIC_SECRETS = ['RESTIC_PASSWORD', 'RESTIC_PASSWORD_FILE', 'RESTIC_PASSWORD_COMMAND', 'RESTIC_REPOSITORY', 'RESTIC_REPOSITORY_FILE'];

/**
 * The child's environment: this process's (PATH, HOME, cloud credentials for the repository)
 * with restic's own repository and password variables replaced by the job's, so that a stray
 * RESTIC_PASSWORD of the agent's shell never picks the wrong repository or key.
 */
export function resticEnv(o: ResticOptions, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of RESTIC_SECRETS) delete env[k];
  env.RESTIC_REPOSITORY = o.repository;
  if (o.passwordFile !== undefined) env.RESTIC_PASSWORD_FILE = o.passwordFile;
  if (o.passwordEnv !== undefined) {
    const password = base[o.passwordEnv];
    if (!password) throw new SynError('PLUGIN_MISCONFIGURED', `restic: passwordEnv names ${o.passwordEnv}, which is not set or empty`);
    env.RESTIC_PASSWORD = password;
  }
  return env;
}

async function run(options: ResticOptions, ctx: PluginContext): Promise<PluginOutcome> {
  const o = ResticOptions.parse(options);
  const args = resticArgs(o);
  const env = resticEnv(o, process.env);
  ctx.log.info({ command: o.binary, args, repository: o.repository }, 'starting restic');
  let result;
  try {
    result = await ctx.exec(o.binary, args, { signal: ctx.signal, env });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SynError('PLUGIN_UNAVAILABLE', `${o.binary} is not installed or not on PATH`, { cause: e });
    if (ctx.signal.aborted) return failedOutcome(abortMessage(ctx.signal));
    throw e;
  }
  const output = `${result.stdout.toString('utf8')}\n${result.stderr.toString('utf8')}`;
  if (ctx.signal.aborted) return failedOutcome(abortMessage(ctx.signal), result.exitCode, tailLines(output));
  if (result.exitCode === null) return failedOutcome(`restic was killed by signal ${result.signal ?? 'unknown'}`, null, tailLines(output));
  return withResticManifest(o, parseResticOutput(output, result.exitCode), result.stdout.toString('utf8'), ctx, env);
}


/** Runs `restic backup --json` and reads its summary message. */
export const resticPlugin = {
  name: 'restic',
  description: 'Runs restic backup --json and reports its summary; unreadable files (exit 3) are a warning',
  configSchema: ResticOptions,
  pathOptions: { repository: isLocalResticRepository, passwordFile: 'path', paths: 'path' },
  envOptions: { passwordEnv: 'the repository password' },
  statusFromLog: true,
  run,
  restore: (options: ResticOptions, req, ctx) => restoreRestic(ResticOptions.parse(options), req, ctx),
  sourceRoot: (options: ResticOptions) => resticBackupRoot(options.paths),
  check: checkResticOptions,
  parse: (log: Buffer, exitCode: number | null) => parseResticOutput(log.toString('utf8'), exitCode),
} satisfies BackupPlugin<ResticOptions>;
