import { open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SynError } from '../../core/errors.ts';
import type { ProcessResult } from '../../core/process.ts';
import { abortMessage, failedOutcome, type PluginContext, type PluginOutcome } from '../types.ts';
import { robocopyArgs, type RobocopyOptions } from './options.ts';
import { parseRobocopyLog } from './parse.ts';
import { walkManifest } from '../manifest.ts';

/**
 * Runs robocopy and reads the part of its /UNILOG log this run wrote. `platform` is a parameter
 * so that tests on Linux can drive the Windows path with a fake ProcessRunner.
 */
export async function runRobocopy(options: RobocopyOptions, ctx: PluginContext, platform: NodeJS.Platform = process.platform): Promise<PluginOutcome> {
  if (platform !== 'win32') {
    throw new SynError(
      'PLUGIN_UNAVAILABLE',
      `robocopy runs on Windows only (this is ${platform}); use the copy or rsync plugin here, or send a robocopy log with "synecdoche agent submit"`,
    );
  }
  const temporary = options.logFile === undefined;
  const logPath = options.logFile ?? join(tmpdir(), `synecdoche-robocopy-${ctx.runId}.log`);
  if (temporary) await rm(logPath, { force: true });
  // An appended log holds older runs; read only what this run adds, so an old summary can
  // never stand in for a run that wrote nothing.
  const before = await sizeOf(logPath);
  let result: ProcessResult;
  try {
    result = await ctx.exec('robocopy', robocopyArgs(options, logPath), { signal: ctx.signal });
  } catch (e) {
    if (temporary) await rm(logPath, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SynError('PLUGIN_UNAVAILABLE', 'robocopy.exe was not found on the PATH', { cause: e });
    if (ctx.signal.aborted) return failedOutcome(`robocopy did not finish: ${abortMessage(ctx.signal)}`);
    throw e;
  }
  try {
    // Without a log file (robocopy refused the log path) the /TEE console copy is the next best.
    const appended = await readFrom(logPath, before);
    const log = appended && appended.length > 0 ? appended : result.stdout;
    const outcome = parseRobocopyLog(log, result.exitCode, { encoding: options.encoding });
    // Aborted counts even with an exit code: a run stopped part way is not a backup, whatever robocopy said.
    if (result.exitCode === null || ctx.signal.aborted) {
      const why = ctx.signal.aborted ? abortMessage(ctx.signal) : `killed by ${result.signal ?? 'a signal'}`;
      return { ...outcome, status: 'failed', errors: [{ message: `robocopy did not finish: ${why}` }, ...outcome.errors].slice(0, 200) };
    }
    return await withDestinationManifest(options.destination, outcome, ctx.signal);
  } finally {
    if (temporary) await rm(logPath, { force: true });
  }
}

/** Issue 11: the files at the destination (a local folder or a share) after the run; a listing that fails is an error, not a silent absence. */
async function withDestinationManifest(destination: string, outcome: PluginOutcome, signal: AbortSignal): Promise<PluginOutcome> {
  try {
    return { ...outcome, manifest: await walkManifest(destination, { signal }) };
  } catch (e) {
    return { ...outcome, errors: [...outcome.errors, { message: `cannot list the destination for the file manifest: ${(e as Error).message}`.slice(0, 2000) }].slice(0, 200) };
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The file's bytes from `offset` on (all of it when it shrank: rotated), or null when missing. */
async function readFrom(path: string, offset: number): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = (await handle.stat()).size;
    const start = size >= offset ? offset : 0;
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    return buf;
  } finally {
    await handle.close();
  }
}
