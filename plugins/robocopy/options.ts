import { z } from 'zod';

/** Switches the plugin sets itself or needs kept: a second log, or no summary, would break parsing. */
const RESERVED = /^\/(LOG\+?:|UNILOG\+?:|NJS$)/i;

/** Options of the `robocopy` plugin (the job's `options:` block). */
export const RobocopyOptions = z
  .object({
    source: z.string().min(1).describe('folder to back up, e.g. D:\\Data or \\\\server\\share'),
    destination: z.string().min(1).describe('folder to copy into'),
    mirror: z.boolean().default(false).describe('/MIR: also delete destination files that are gone from the source'),
    files: z.array(z.string().min(1)).default([]).describe('file name patterns to copy (default all: *.*)'),
    excludeDirs: z.array(z.string().min(1)).default([]).describe('/XD: directory names or paths to leave out'),
    excludeFiles: z.array(z.string().min(1)).default([]).describe('/XF: file names or patterns to leave out'),
    retries: z.number().int().min(0).max(1_000_000).default(2).describe('/R: retries per failed file (robocopy\'s own default, a million, hangs a job for days)'),
    waitSeconds: z.number().int().min(0).max(3600).default(5).describe('/W: seconds between retries'),
    threads: z.number().int().min(1).max(128).optional().describe('/MT: copy with this many threads'),
    logFile: z.string().min(1).optional().describe('keep robocopy\'s log here (appended, /UNILOG+); default a temporary file'),
    encoding: z.string().min(1).optional().describe('encoding of the log when guessing fails (utf16le, cp850, cp866, cp932 ...)'),
    extraArgs: z
      .array(z.string().min(1).refine((a) => !RESERVED.test(a), 'any robocopy switch except /LOG, /UNILOG and /NJS (the plugin reads its own log and needs the summary)'))
      .default([])
      .describe('further robocopy switches, passed as they are (e.g. ["/COPY:DAT", "/XJ"])'),
  })
  .strict();
export type RobocopyOptions = z.infer<typeof RobocopyOptions>;

/**
 * The robocopy command line (without the program name) for these options.
 *
 * /NP drops the per-file percentages that bloat logs, /NDL the directory lines; /BYTES prints
 * exact byte counts in the summary instead of "1.5 g"; /UNILOG+ appends a UTF-16 log that keeps
 * every file name intact whatever the console code page, and /TEE still shows the run on the
 * console. Trailing backslashes are dropped from folders because `"D:\My Data\"` reaches robocopy
 * as `D:\My Data"` under the Windows quoting rules; a drive root keeps its backslash.
 */
export function robocopyArgs(options: RobocopyOptions, logPath: string | undefined = options.logFile): string[] {
  const args = [folder(options.source), folder(options.destination), ...options.files];
  if (options.mirror) args.push('/MIR');
  if (options.excludeDirs.length) args.push('/XD', ...options.excludeDirs);
  if (options.excludeFiles.length) args.push('/XF', ...options.excludeFiles);
  args.push(`/R:${options.retries}`, `/W:${options.waitSeconds}`);
  if (options.threads !== undefined) args.push(`/MT:${options.threads}`);
  args.push('/NP', '/NDL', '/BYTES');
  if (logPath) args.push(`/UNILOG+:${logPath}`, '/TEE');
  return [...args, ...options.extraArgs];
}

function folder(p: string): string {
  if (/^[A-Za-z]:[\\/]*$/.test(p)) return `${p.slice(0, 2)}\\`;
  return p.replace(/(?<=.)[\\/]+$/, '');
}
