import type { BackupPlugin } from '../types.ts';
import { RobocopyOptions } from './options.ts';
import { parseRobocopyLog } from './parse.ts';
import { restoreRobocopy } from './restore.ts';
import { runRobocopy } from './run.ts';

export { RobocopyOptions, robocopyArgs } from './options.ts';
export { parseRobocopyLog } from './parse.ts';

/**
 * What `agent check` finds wrong: robocopy exists only on Windows. (Its folders are not looked
 * at: a share may need the service user's credentials that this check does not have.)
 */
export function checkRobocopy(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return [];
  return [`plugin: robocopy runs on Windows only (this is ${platform}); run the job on Windows, or report its logs from there with "synecdoche agent submit" and mark the job external: true`];
}

/**
 * Windows robocopy: builds its command line, runs it (Windows only) and reads its log. `parse`
 * reads logs of runs made elsewhere (consultants' existing scripts), in any language and code
 * page, and is what `synecdoche parse robocopy FILE` and `agent submit` use.
 */
export const robocopyPlugin = {
  name: 'robocopy',
  description: 'Windows robocopy; reads its summary table in any language and code page (CP850, CP866, CP932, UTF-16 /UNILOG)',
  configSchema: RobocopyOptions,
  pathOptions: { source: 'path', destination: 'path', logFile: 'path' },
  statusFromLog: true,
  run: (options, ctx) => runRobocopy(options, ctx),
  restore: (options, req, ctx) => restoreRobocopy(options, req, ctx),
  sourceRoot: (options) => options.source,
  parse: (log, exitCode, options) => parseRobocopyLog(log, exitCode, { encoding: options?.encoding }),
  check: () => checkRobocopy(),
} satisfies BackupPlugin<RobocopyOptions>;
