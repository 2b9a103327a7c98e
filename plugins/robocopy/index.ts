import type { BackupPlugin } from '../types.ts';
import { RobocopyOptions } from './options.ts';
import { parseRobocopyLog } from './parse.ts';
import { runRobocopy } from './run.ts';

export { RobocopyOptions, robocopyArgs } from './options.ts';
export { parseRobocopyLog } from './parse.ts';

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
  parse: (log, exitCode, options) => parseRobocopyLog(log, exitCode, { encoding: options?.encoding }),
} satisfies BackupPlugin<RobocopyOptions>;
