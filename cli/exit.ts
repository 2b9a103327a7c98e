import { describeError, ERROR_CODES, isSynError } from '../core/errors.ts';

/**
 * The one place that turns an error into a message and an exit code. Exit codes are documented
 * in the README; scripts may rely on them.
 */
export function reportError(e: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (isSynError(e)) {
    stderr.write(`synecdoche: ${describeError(e)}\n`);
    return e.exitCode;
  }
  const code = (e as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
  if (typeof code === 'string' && code.startsWith('commander.')) return ERROR_CODES.USAGE.exit;
  stderr.write(`synecdoche: internal error: ${describeError(e)}\n${(e as Error)?.stack ?? ''}\n`);
  return ERROR_CODES.INTERNAL.exit;
}

/** The exit-code table as text (for `--help` and the README). */
export function exitCodeTable(): string {
  const rows: [number, string][] = [
    [0, 'success (for run-job: the job ended ok or warning)'],
    [1, 'a job ran and ended failed (run-job, submit)'],
  ];
  const seen = new Set<number>();
  for (const { exit, summary } of Object.values(ERROR_CODES)) {
    if (seen.has(exit)) continue;
    seen.add(exit);
    const all = Object.values(ERROR_CODES).filter((c) => c.exit === exit).map((c) => c.summary);
    rows.push([exit, all.join('; ')]);
  }
  return rows.map(([c, s]) => `  ${String(c).padStart(2)}  ${s}`).join('\n');
}
