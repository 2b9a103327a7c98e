import { z } from 'zod';
import { SynError } from '../../core/errors.ts';
import { tailLines } from '../../core/process.ts';
import { RunStatus } from '../../core/result/schema.ts';
import { programProblem, readableFolderProblem } from '../checks.ts';
import { failedOutcome, type BackupPlugin, type PluginContext, type PluginOutcome, abortMessage } from '../types.ts';
import { DEFAULT_STATUS_BY_EXIT_CODE, commandOutcome } from './parse.ts';

/** The `options:` of a command job. */
export const CommandOptions = z
  .object({
    command: z.string().min(1).describe('the program to run; with shell: true, a shell command line'),
    args: z.array(z.string()).default([]).describe('arguments; with shell: true they become $1, $2 ... of the command line'),
    cwd: z.string().min(1).optional().describe('working directory'),
    shell: z.boolean().default(false).describe('run through /bin/sh -c (cmd.exe /d /s /c on Windows)'),
    statusByExitCode: z
      .record(z.string().regex(/^-?\d+$/, 'an exit code such as "0" or "3"'), RunStatus)
      .default(DEFAULT_STATUS_BY_EXIT_CODE)
      .describe('exit code -> ok, warning or failed; any code not listed is failed'),
    tailLines: z.number().int().min(1).max(1000).default(40).describe('lines of output kept in the report'),
  })
  .strict();
export type CommandOptions = z.infer<typeof CommandOptions>;

/** The program and arguments to spawn, with the shell wrapped around them when asked. */
export function commandLine(o: CommandOptions, platform: NodeJS.Platform = process.platform): [string, string[]] {
  if (!o.shell) return [o.command, o.args];
  if (platform === 'win32') return ['cmd.exe', ['/d', '/s', '/c', [o.command, ...o.args].join(' ')]];
  return ['/bin/sh', ['-c', o.command, 'synecdoche', ...o.args]];
}

async function run(options: CommandOptions, ctx: PluginContext): Promise<PluginOutcome> {
  const o = CommandOptions.parse(options);
  const [program, args] = commandLine(o);
  ctx.log.info({ command: program, args }, 'starting command');
  let result;
  try {
    result = await ctx.exec(program, args, { signal: ctx.signal, ...(o.cwd ? { cwd: o.cwd } : {}) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      const what = o.cwd ? `${program} is not installed or not on PATH, or ${o.cwd} does not exist` : `${program} is not installed or not on PATH`;
      throw new SynError('PLUGIN_UNAVAILABLE', what, { cause: e });
    }
    if (ctx.signal.aborted) return failedOutcome(abortMessage(ctx.signal));
    throw e;
  }
  const output = Buffer.concat([result.stdout, result.stderr]).toString('utf8');
  if (ctx.signal.aborted) return failedOutcome(abortMessage(ctx.signal), result.exitCode, tailLines(output, o.tailLines));
  if (result.exitCode === null) return failedOutcome(`killed by signal ${result.signal ?? 'unknown'}`, null, tailLines(output, o.tailLines));
  return commandOutcome(output, result.exitCode, o, result.stderr.toString('utf8'));
}

/**
 * What `agent check` finds wrong: a working directory that is not a folder, a program that is
 * not on PATH or not at its path. A shell command line is left to the shell: its first word may
 * be a builtin, a variable or a function.
 */
export function checkCommandOptions(o: CommandOptions): string[] {
  const cwd = o.cwd === undefined ? null : readableFolderProblem(o.cwd);
  if (cwd) return [`cwd: ${cwd}`];
  const program = o.shell ? null : programProblem(o.command, o.cwd === undefined ? {} : { cwd: o.cwd });
  return program ? [`command: ${program}`] : [];
}

/** Runs any command; its exit code decides the status through a configurable map. */
export const commandPlugin = {
  name: 'command',
  description: 'Runs any command; its exit code maps to ok, warning or failed; the end of its output is kept',
  configSchema: CommandOptions,
  pathOptions: { cwd: 'path' },
  run,
  check: checkCommandOptions,
  parse: (log: Buffer, exitCode: number | null, options?: Partial<CommandOptions>) => commandOutcome(log.toString('utf8'), exitCode, options ?? {}),
} satisfies BackupPlugin<CommandOptions>;
